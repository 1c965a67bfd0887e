using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorRec.Cluster.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Cluster.Transport;

/// <summary>
/// Node-to-node TCP transport: one authenticated connection per peer, length-prefixed protobuf frames, a bounded
/// outbound queue per peer, coalesced writes and reconnection with jittered exponential back-off.
/// </summary>
/// <remarks>
/// Peers are addressed by "host:port" (the address they advertise). <see cref="Send"/> never blocks: it enqueues or
/// reports why it could not (<see cref="SendResult"/>). Each peer has one writer loop that dials on demand (only when
/// something is queued), authenticates (see <see cref="HandshakeProtocol"/>), then drains the queue in batches of up
/// to <see cref="ClusterSettings.WriteBatchBytes"/> per flush; a flush waits while the connection's unsent backlog is
/// above <see cref="ClusterSettings.PauseWriterThreshold"/>, so a slow peer fills its own queue and nobody else's.
/// Inbound frames larger than <see cref="ClusterSettings.MaxFrameSize"/> close the connection with a logged error.
/// </remarks>
public sealed partial class ClusterTransport : IAsyncDisposable
{
    private readonly ClusterSettings _settings;
    private readonly ITransportHandler _handler;
    private readonly ILogger _logger;
    private readonly byte[] _secret;
    private readonly ConcurrentDictionary<string, PeerLink> _links = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;

    public ClusterTransport(ClusterSettings settings, long incarnation, ITransportHandler handler, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(handler);
        _settings = settings.Validate();
        _handler = handler;
        _logger = logger ?? NullLogger.Instance;
        Time = time ?? TimeProvider.System;
        _secret = Encoding.UTF8.GetBytes(settings.Secret);
        Incarnation = incarnation;
        Self = new PeerIdentity(settings.NodeName, incarnation, settings.Address);
        Tls = TlsOptions.From(_settings);
        Backoff = new ReconnectBackoff(settings.ReconnectMinBackoff, settings.ReconnectMaxBackoff, new Random());
    }

    /// <summary>This node; its address carries the bound port once <see cref="Start"/> has run.</summary>
    public PeerIdentity Self { get; private set; }

    public long Incarnation { get; }

    public TransportCounters Counters { get; } = new();

    internal TimeProvider Time { get; }

    internal ReconnectBackoff Backoff { get; }

    internal TlsOptions? Tls { get; }

    internal bool IsStopping => _stopping.IsCancellationRequested;

    internal CancellationToken StoppingToken => _stopping.Token;

    /// <summary>Test hook: a redial to the address was scheduled after the delay (the delay timer already exists).</summary>
    internal event Action<string, TimeSpan>? ReconnectScheduled;

    /// <summary>Binds the listener (port 0 picks a free port) and starts accepting peers.</summary>
    public void Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The transport is already started.");
        }

        var bind = IPAddress.Parse(_settings.BindHost);
        var listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(bind, _settings.Port));
        listener.Listen(512);
        _listener = listener;
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        Self = Self with { Address = _settings.Hostname + ":" + port.ToString(CultureInfo.InvariantCulture) };
        LogListening(Self.NodeName, Self.Address);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Queues an actor message for the peer at <paramref name="address"/>.</summary>
    public SendResult Send(string address, RemoteEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var size = envelope.CalculateSize();
        if (size + 1 > _settings.MaxFrameSize)
        {
            LogSendTooLarge(envelope.Manifest, envelope.Recipient, size + 1, _settings.MaxFrameSize);
            return SendResult.TooLarge;
        }

        return Enqueue(address, new OutboundFrame(FrameKind.Envelope, envelope, size));
    }

    /// <summary>
    /// Queues an actor message for the peer at <paramref name="address"/> in the batched format (many messages per
    /// frame, strings sent once per connection; see <see cref="EnvelopeBatchCodec"/>). Same delivery and queueing
    /// rules as <see cref="Send(string, RemoteEnvelope)"/>; the payload must not be changed afterwards.
    /// </summary>
    public SendResult SendEnvelope(string address, string sender, string recipient, string manifest, ByteString payload)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(payload);
        var size = EnvelopeBatchCodec.MaxRecordSize(sender, recipient, manifest, payload.Length);
        if (size + 1 > _settings.MaxFrameSize)
        {
            LogSendTooLarge(manifest, recipient, size + 1, _settings.MaxFrameSize);
            return SendResult.TooLarge;
        }

        return Enqueue(address, new OutboundFrame(FrameKind.EnvelopeBatch, null, size, sender, recipient, manifest, payload));
    }

    /// <summary>Queues a failure-detector heartbeat for the peer.</summary>
    public SendResult SendHeartbeat(string address, ulong sequence)
    {
        var heartbeat = new Heartbeat { NodeName = Self.NodeName, Incarnation = Incarnation, Sequence = sequence };
        return Enqueue(address, new OutboundFrame(FrameKind.Heartbeat, heartbeat, heartbeat.CalculateSize()));
    }

    /// <summary>Tells the peer the membership table version this node has seen.</summary>
    public SendResult SendGossip(string address, long tableVersion)
    {
        var gossip = new MembershipGossip { TableVersion = tableVersion };
        return Enqueue(address, new OutboundFrame(FrameKind.Gossip, gossip, gossip.CalculateSize()));
    }

    /// <summary>
    /// Drops everything kept for a peer that left or was declared down: its queue (frames discarded), its writer loop
    /// and its connection. A later <see cref="Send"/> to the address starts afresh.
    /// </summary>
    public async Task ForgetAsync(string address)
    {
        if (!_links.TryRemove(address, out var link))
        {
            return;
        }

        var dropped = link.Complete();
        link.Active?.Abort();
        await link.WriterTask.ConfigureAwait(false);
        LogForgotten(address, dropped);
    }

    /// <summary>Messages dropped so far for one peer because its queue was full.</summary>
    public long DroppedFor(string address) => _links.TryGetValue(address, out var link) ? link.Dropped : 0;

    /// <summary>Peers with an established connection now.</summary>
    public IReadOnlyList<PeerIdentity> ConnectedPeers()
    {
        var peers = new List<PeerIdentity>();
        foreach (var link in _links.Values)
        {
            if (link.Active is { IsClosed: false, Peer: { } peer })
            {
                peers.Add(peer);
            }
        }

        return peers;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        foreach (var link in _links.Values)
        {
            link.Complete();
            link.Active?.Abort();
        }

        await _acceptLoop.ConfigureAwait(false);
        foreach (var link in _links.Values)
        {
            await link.WriterTask.ConfigureAwait(false);
            if (link.Active is { } connection)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        _stopping.Dispose();
    }

    internal void OnReconnectScheduled(string address, TimeSpan delay)
    {
        LogReconnectScheduled(address, delay);
        ReconnectScheduled?.Invoke(address, delay);
    }

    internal void OnWriteFailed(PeerLink link, FrameConnection connection, int frames)
    {
        LogWriteFailed(link.Address, frames);
        connection.Abort();
    }

    private SendResult Enqueue(string address, in OutboundFrame frame)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        if (_stopping.IsCancellationRequested)
        {
            return SendResult.Stopped;
        }

        if (string.Equals(address, Self.Address, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Address {address} is this node; deliver local messages locally.", nameof(address));
        }

        if (!_links.TryGetValue(address, out var link))
        {
            _ = ParseAddress(address);
            link = _links.GetOrAdd(address, a => new PeerLink(this, a, _settings.OutboundQueueSize, _settings.WriteBatchBytes));
        }

        return link.Enqueue(frame);
    }

    private PeerLink LinkFor(string address) =>
        _links.GetOrAdd(address, a => new PeerLink(this, a, _settings.OutboundQueueSize, _settings.WriteBatchBytes));

    private async Task AcceptLoopAsync()
    {
        var listener = _listener!;
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                LogAcceptFailed(ex);
                continue;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await AcceptPeerAsync(socket).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Anything the handshake did not anticipate: log it and drop this connection, keep accepting.
                    socket.Dispose();
                    LogAcceptFailed(ex);
                }
            });
        }
    }

    private static (string Host, int Port) ParseAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{address}' is not a 'host:port' address.", nameof(address));
        }

        return (address[..colon], port);
    }
}
