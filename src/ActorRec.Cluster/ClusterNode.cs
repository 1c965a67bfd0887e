using ActorRec.Cluster.FailureDetection;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Cluster;

/// <summary>
/// The cluster core of one node, wired together: transport, heartbeats into the phi-accrual detectors, the
/// membership loop, version gossip, and inbound message dispatch. The remote-ref and sharding layers build on it.
/// </summary>
/// <remarks>
/// Data flow: heartbeat frames from peers feed <see cref="FailureDetector"/>; the membership loop reads the
/// detector's view, writes suspicions and verdicts to the table, and after each of its own writes gossips the new
/// table version to every live peer, which then polls at once. Membership changes retarget the heartbeats at the
/// live members. If this node is declared down it stops heartbeating and calls the self-down callback (the host
/// stops its entities and exits).
/// </remarks>
public sealed partial class ClusterNode : ITransportHandler, IMembershipListener, IAsyncDisposable
{
    private readonly ClusterSettings _settings;
    private readonly IMembershipTable _table;
    private readonly InboundMessageDispatcher _dispatcher;
    private readonly Func<string, Task> _onSelfDown;
    private readonly IReadOnlyList<IBeforeLeaveHook> _hooks;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly Action<MembershipSnapshot>? _onChanged;
    private HeartbeatSender? _heartbeats;
    private MembershipService? _membership;

    public ClusterNode(
        ClusterSettings settings,
        IMembershipTable table,
        MessageSerializerRegistry registry,
        IRemoteMessageSink sink,
        Func<string, Task> onSelfDown,
        IEnumerable<IBeforeLeaveHook>? hooks = null,
        Action<MembershipSnapshot>? onMembershipChanged = null,
        ILoggerFactory? loggers = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(onSelfDown);
        _settings = settings.Validate();
        _table = table;
        _onSelfDown = onSelfDown;
        _hooks = hooks?.ToArray() ?? [];
        _onChanged = onMembershipChanged;
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<ClusterNode>();
        _dispatcher = new InboundMessageDispatcher(registry, sink, _loggers.CreateLogger<InboundMessageDispatcher>());
        FailureDetector = new FailureDetectorRegistry(FailureDetectorOptions.From(settings), _time);
        // Incarnation: start time in ms, so a restarted node always has a higher one.
        Transport = new ClusterTransport(settings, _time.GetUtcNow().ToUnixTimeMilliseconds(), this, _loggers.CreateLogger<ClusterTransport>(), _time);
    }

    public ClusterTransport Transport { get; }

    public FailureDetectorRegistry FailureDetector { get; }

    public InboundMessageDispatcher Dispatcher => _dispatcher;

    public MembershipService Membership => _membership ?? throw new InvalidOperationException("The node is not started.");

    public PeerIdentity Self => Transport.Self;

    /// <summary>
    /// Raised on a transport receive loop when a connection to a peer becomes the active one (quick handlers only:
    /// hand the work on).
    /// </summary>
    public event Action<PeerIdentity>? PeerConnected;

    /// <summary>
    /// Raised on a transport receive loop when the active connection to a peer is lost (not when the loser of a
    /// crossing dial closes). Frames written to it may be lost, so asks waiting on that peer may never be answered;
    /// the transport redials on its own and raises <see cref="PeerConnected"/> when it is back.
    /// </summary>
    public event Action<PeerIdentity>? PeerDisconnected;

    /// <summary>Binds the transport, joins the membership table and starts heartbeats and the membership loop.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Transport.Start();
        _heartbeats = new HeartbeatSender(Transport, _settings.HeartbeatInterval, _time);
        _membership = new MembershipService(_settings, _table, Transport.Incarnation, Transport.Self.Address, FailureDetector, this, _hooks, _time,
            _loggers.CreateLogger<MembershipService>());
        await _membership.JoinAsync(cancellationToken).ConfigureAwait(false);
        _heartbeats.Start();
        LogStarted(Self.NodeName, Self.Address, Self.Incarnation);
    }

    /// <summary>Graceful leave (operator command, SIGTERM): completes when this node is Removed.</summary>
    public Task LeaveAsync() => Membership.LeaveAsync();

    public async ValueTask DisposeAsync()
    {
        if (_heartbeats is not null)
        {
            await _heartbeats.DisposeAsync().ConfigureAwait(false);
        }

        if (_membership is not null)
        {
            await _membership.DisposeAsync().ConfigureAwait(false);
        }

        await Transport.DisposeAsync().ConfigureAwait(false);
    }

    void ITransportHandler.OnEnvelope(PeerIdentity from, RemoteEnvelope envelope) => _dispatcher.Dispatch(from, envelope);

    void ITransportHandler.OnEnvelope(PeerIdentity from, in InboundEnvelope envelope) => _dispatcher.Dispatch(from, envelope);

    void ITransportHandler.OnHeartbeat(PeerIdentity from, Heartbeat heartbeat) => FailureDetector.Heartbeat(from.MemberKey);

    void ITransportHandler.OnGossip(PeerIdentity from, long tableVersion) => _membership?.OnGossip(tableVersion);

    void ITransportHandler.OnPeerConnected(PeerIdentity peer) => PeerConnected?.Invoke(peer);

    void ITransportHandler.OnPeerDisconnected(PeerIdentity peer) => PeerDisconnected?.Invoke(peer);

    void IMembershipListener.OnMembershipChanged(MembershipSnapshot snapshot)
    {
        var targets = new List<string>();
        foreach (var m in snapshot.Members)
        {
            if (m.IsLive && m.MemberKey != Self.MemberKey)
            {
                targets.Add(m.Address);
            }
            else if (!m.IsLive)
            {
                FailureDetector.Remove(m.MemberKey);
            }
        }

        _heartbeats?.SetTargets(targets);
        foreach (var m in snapshot.Members)
        {
            if (!m.IsLive && !targets.Contains(m.Address) && m.Address != Self.Address)
            {
                // Nobody live listens there any more: drop its queue, redials and connection.
                _ = Transport.ForgetAsync(m.Address);
            }
        }

        _onChanged?.Invoke(snapshot);
    }

    void IMembershipListener.OnLocalWrite(long tableVersion)
    {
        foreach (var m in (_membership?.Current ?? MembershipSnapshot.Empty).Members)
        {
            if (m.IsLive && m.MemberKey != Self.MemberKey)
            {
                Transport.SendGossip(m.Address, tableVersion);
            }
        }
    }

    async Task IMembershipListener.OnSelfDownAsync(string reason)
    {
        if (_heartbeats is not null)
        {
            await _heartbeats.DisposeAsync().ConfigureAwait(false);
        }

        await _onSelfDown(reason).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Cluster node {Node} started at {Address} (incarnation {Incarnation})")]
    private partial void LogStarted(string node, string address, long incarnation);
}
