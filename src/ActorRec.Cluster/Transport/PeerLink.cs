using System.Threading.Channels;
using Google.Protobuf;

namespace ActorRec.Cluster.Transport;

/// <summary>
/// A frame waiting in a peer's outbound queue; the body size is computed once, at enqueue. For
/// <see cref="FrameKind.EnvelopeBatch"/> the message is the envelope's fields (no protobuf object), written into the
/// connection's current batch; <see cref="BodySize"/> is then an upper bound.
/// </summary>
internal readonly record struct OutboundFrame(
    FrameKind Kind, IMessage? Message, int BodySize, string? Sender = null, string? Recipient = null, string? Manifest = null, ByteString? Payload = null);

/// <summary>
/// Everything this node keeps about one peer address: the bounded outbound queue, the active connection and the
/// single writer loop that drains the queue into it.
/// </summary>
/// <remarks>
/// The queue is the unit of buffering, not the connection: a connection can be replaced (reconnect, or the crossing
/// connection of a simultaneous dial losing the tie-break) without losing queued messages. Frames already written to
/// a connection that then breaks are lost (at-most-once).
/// All writes to a connection's outbound pipe happen under <see cref="_writeLock"/>: the writer loop holds it for a
/// batch, and retiring a replaced connection takes it too, so a pipe never has two writers.
/// Crossing dials: when two authenticated connections to the same incarnation exist, both nodes keep the one dialed
/// by the node with the ordinally smaller address, so they converge on the same connection without talking.
/// </remarks>
internal sealed class PeerLink
{
    private readonly ClusterTransport _owner;
    private readonly Channel<OutboundFrame> _queue;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly int _batchBytes;
    private readonly CancellationTokenSource _stop;
    private FrameConnection? _active;
    private TaskCompletionSource _adopted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _writer;
    private long _dropped;

    public PeerLink(ClusterTransport owner, string address, int capacity, int batchBytes)
    {
        _owner = owner;
        Address = address;
        _batchBytes = batchBytes;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(owner.StoppingToken);
        _queue = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: we drop the newest and report it
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public string Address { get; }

    public long Dropped => Interlocked.Read(ref _dropped);

    public FrameConnection? Active => Volatile.Read(ref _active);

    public SendResult Enqueue(in OutboundFrame frame)
    {
        if (!_queue.Writer.TryWrite(frame))
        {
            if (_owner.IsStopping)
            {
                return SendResult.Stopped;
            }

            Interlocked.Increment(ref _dropped);
            Interlocked.Increment(ref _owner.Counters.DroppedValue);
            return SendResult.QueueFull;
        }

        if (Volatile.Read(ref _writer) is null)
        {
            EnsureWriter();
        }

        return SendResult.Enqueued;
    }

    /// <summary>Offers an authenticated connection; false when the current one wins the tie-break.</summary>
    public bool Adopt(FrameConnection connection, string selfAddress)
    {
        FrameConnection? old;
        TaskCompletionSource adopted;
        lock (_gate)
        {
            old = _active;
            if (old is not null && !old.IsClosed && old.Peer!.Incarnation == connection.Peer!.Incarnation)
            {
                var preferredDialer = string.CompareOrdinal(selfAddress, Address) < 0 ? selfAddress : Address;
                var oldPreferred = old.DialerAddress == preferredDialer;
                var newPreferred = connection.DialerAddress == preferredDialer;
                if (oldPreferred && !newPreferred)
                {
                    return false;
                }
            }

            _active = connection;
            adopted = _adopted;
            _adopted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        adopted.TrySetResult();
        if (old is not null && !ReferenceEquals(old, connection))
        {
            _ = RetireAsync(old);
        }

        EnsureWriter();
        return true;
    }

    /// <summary>Called when a connection's receive loop ended; true when it was the active one.</summary>
    public bool OnClosed(FrameConnection connection)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_active, connection))
            {
                return false;
            }

            _active = null;
            return true;
        }
    }

    /// <summary>Closes the send side of a connection this link will not write to (under the write lock).</summary>
    public async Task RetireAsync(FrameConnection connection)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await connection.CloseGracefullyAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes the queue; returns how many frames were still waiting (they are discarded).</summary>
    public int Complete()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
        var dropped = 0;
        while (_queue.Reader.TryRead(out _))
        {
            dropped++;
        }

        return dropped;
    }

    public Task WriterTask => Volatile.Read(ref _writer) ?? Task.CompletedTask;

    private void EnsureWriter()
    {
        lock (_gate)
        {
            _writer ??= Task.Run(WriterLoopAsync);
        }
    }

    private async Task WriterLoopAsync()
    {
        var reader = _queue.Reader;
        var stop = _stop.Token;
        var attempt = 0;
        try
        {
            while (await reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                var connection = Active;
                if (connection is null || connection.IsClosed)
                {
                    Task adoptedSignal;
                    lock (_gate)
                    {
                        adoptedSignal = _adopted.Task;
                    }

                    connection = await _owner.DialAsync(this, stop).ConfigureAwait(false);
                    if (connection is null)
                    {
                        var delay = _owner.Backoff.Next(attempt++);
                        var wait = Task.Delay(delay, _owner.Time, stop);
                        _owner.OnReconnectScheduled(Address, delay);
                        await Task.WhenAny(wait, adoptedSignal).ConfigureAwait(false);
                        stop.ThrowIfCancellationRequested();
                        continue;
                    }
                }

                attempt = 0;
                await WriteBatchesAsync(connection, reader, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Transport stopping.
        }
    }

    private async Task WriteBatchesAsync(FrameConnection connection, ChannelReader<OutboundFrame> reader, CancellationToken stop)
    {
        await _writeLock.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            while (ReferenceEquals(connection, Active) && !connection.IsClosed)
            {
                var bytes = 0;
                var frames = 0;
                var batch = connection.BatchEncoder;
                while (bytes < _batchBytes && reader.TryRead(out var frame))
                {
                    if (frame.Kind == FrameKind.EnvelopeBatch)
                    {
                        var before = batch.Length;
                        batch.Append(frame.Sender!, frame.Recipient!, frame.Manifest!, frame.Payload!);
                        bytes += batch.Length - before;
                    }
                    else
                    {
                        // Keep the order: what is batched so far goes out before this frame.
                        connection.WriteBatch();
                        connection.Write(frame.Kind, frame.Message!, frame.BodySize);
                        bytes += frame.BodySize + FrameCodec.HeaderSize;
                    }

                    frames++;
                }

                connection.WriteBatch();

                if (frames == 0)
                {
                    return;
                }

                var result = await connection.FlushAsync(stop).ConfigureAwait(false);
                Interlocked.Add(ref _owner.Counters.FramesSentValue, frames);
                Interlocked.Increment(ref _owner.Counters.FlushesValue);
                if (result.IsCompleted || result.IsCanceled)
                {
                    _owner.OnWriteFailed(this, connection, frames);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            _owner.OnWriteFailed(this, connection, 0);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
