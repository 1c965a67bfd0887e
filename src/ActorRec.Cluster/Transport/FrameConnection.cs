using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;

namespace ActorRec.Cluster.Transport;

/// <summary>
/// One TCP connection carrying frames. Outbound frames are written into a <see cref="Pipe"/> whose writer pauses at
/// the configured threshold; a pump task copies whatever has been flushed to the socket in as few writes as
/// possible (that is where coalescing turns into large sends). Inbound bytes are read through a <see cref="PipeReader"/>.
/// </summary>
internal sealed class FrameConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly Pipe _output;
    private readonly Task _pump;
    private readonly int _maxFrameSize;
    private int _closed;
    private EnvelopeBatchCodec.Encoder? _batchEncoder;

    public FrameConnection(Socket socket, Stream stream, ClusterSettings settings, bool dialedByUs)
    {
        _socket = socket;
        _stream = stream;
        _maxFrameSize = settings.MaxFrameSize;
        DialedByUs = dialedByUs;
        RemoteEndPoint = socket.RemoteEndPoint;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        _output = new Pipe(new PipeOptions(
            pauseWriterThreshold: settings.PauseWriterThreshold,
            resumeWriterThreshold: settings.ResumeWriterThreshold,
            minimumSegmentSize: 64 * 1024,
            useSynchronizationContext: false));
        _pump = Task.Run(PumpAsync);
    }

    public EndPoint? RemoteEndPoint { get; }

    public bool DialedByUs { get; }

    /// <summary>Set once the handshake succeeded.</summary>
    public PeerIdentity? Peer { get; set; }

    /// <summary>Address of the node that dialed this connection (decides which of two crossing connections survives).</summary>
    public string DialerAddress { get; set; } = "";

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public PipeReader Input => _input;

    public int MaxFrameSize => _maxFrameSize;

    /// <summary>The batch being built for this connection (only the peer link's writer, under its write lock, uses it).</summary>
    public EnvelopeBatchCodec.Encoder BatchEncoder => _batchEncoder ??= new EnvelopeBatchCodec.Encoder();

    /// <summary>The string table of inbound batches (only this connection's receive loop uses it).</summary>
    public EnvelopeBatchCodec.Decoder BatchDecoder { get; } = new();

    /// <summary>Writes the envelopes batched so far as one frame (nothing when none).</summary>
    public void WriteBatch() => _batchEncoder?.Flush(_output.Writer);

    /// <summary>Writes a frame into the outbound pipe (no I/O until <see cref="FlushAsync"/>).</summary>
    public void Write(FrameKind kind, IMessage message, int bodySize) => FrameCodec.Write(_output.Writer, kind, message, bodySize);

    public void Write(FrameKind kind, IMessage message) => Write(kind, message, message.CalculateSize());

    /// <summary>Hands written frames to the pump; waits while the unsent backlog is above the pause threshold.</summary>
    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken) => _output.Writer.FlushAsync(cancellationToken);

    /// <summary>Reads exactly one frame (handshake only) and parses it with <paramref name="parser"/>.</summary>
    public async Task<(FrameKind Kind, T? Message)> ReadFrameAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = FrameCodec.TryRead(ref buffer, _maxFrameSize, out var kind, out var body, out var length);
            switch (status)
            {
                case FrameReadStatus.Frame:
                    T? message = default;
                    if (kind != FrameKind.Reject)
                    {
                        message = parser.ParseFrom(body);
                    }
                    else
                    {
                        RejectReason = Wire.Reject.Parser.ParseFrom(body).Reason;
                    }

                    _input.AdvanceTo(buffer.Start);
                    return (kind, message);
                case FrameReadStatus.Incomplete when !result.IsCompleted:
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                case FrameReadStatus.Incomplete:
                    throw new HandshakeException("connection closed during the handshake");
                case FrameReadStatus.TooLarge:
                    throw new HandshakeException($"handshake frame of {length} bytes exceeds the maximum frame size");
                default:
                    throw new HandshakeException("invalid frame length in the handshake");
            }
        }
    }

    /// <summary>Reason given by the peer in its last Reject frame.</summary>
    public string? RejectReason { get; private set; }

    /// <summary>
    /// Stops sending, lets already flushed frames reach the socket, then closes. Only the current owner of the
    /// outbound side (the peer link under its write lock, or the handshake) may call it: pipes have a single writer.
    /// </summary>
    public async Task CloseGracefullyAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _pump.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or TimeoutException)
        {
            // The peer is gone already; nothing left to flush.
        }

        Abort();
    }

    /// <summary>Closes at once; pending frames are lost.</summary>
    public void Abort()
    {
        Volatile.Write(ref _closed, 1);
        _output.Reader.CancelPendingRead();
        _input.CancelPendingRead();
        _socket.Dispose();
        _stream.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Abort();
        _batchEncoder?.Release();
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Already reported by the loop that saw the failure.
        }
    }

    private async Task PumpAsync()
    {
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break;
                }

                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await _stream.WriteAsync(segment).ConfigureAwait(false);
                }

                if (!buffer.IsEmpty)
                {
                    await _stream.FlushAsync().ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Completing the reader makes the next FlushAsync report IsCompleted: the writer loop then reconnects.
            await reader.CompleteAsync(ex).ConfigureAwait(false);
            Volatile.Write(ref _closed, 1);
            _socket.Dispose();
        }
    }
}
