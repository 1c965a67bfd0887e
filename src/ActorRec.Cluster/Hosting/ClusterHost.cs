using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Singleton;
using ActorRec.Cluster.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Cluster.Hosting;

/// <summary>How a node's membership ended.</summary>
public enum ClusterExitKind
{
    /// <summary>A graceful leave completed (Removed): exit 0.</summary>
    Left,

    /// <summary>The node was declared down (or superseded): its entities are stopped and the process exits non-zero.</summary>
    Down,
}

/// <summary>Why <see cref="ClusterHost.Exited"/> completed.</summary>
public sealed record ClusterExit(ClusterExitKind Kind, string Reason);

/// <summary>What a host is made of besides its settings; every part has a working default.</summary>
public sealed record ClusterHostOptions
{
    /// <summary>Singletons this node can run (the same list on every node).</summary>
    public IReadOnlyList<ClusterSingletonDefinition> Singletons { get; init; } = [];

    /// <summary>Hooks run on a graceful leave before this node becomes Exiting (shard hand-off); singletons stop after them.</summary>
    public IReadOnlyList<IBeforeLeaveHook> LeaveHooks { get; init; } = [];

    /// <summary>Messages the node can receive; the default knows none.</summary>
    public MessageSerializerRegistry? Registry { get; init; }

    /// <summary>Where inbound messages go; the default dead-letters them with a log line.</summary>
    public IRemoteMessageSink? Sink { get; init; }

    /// <summary>Called from the membership loop with every new table version (the remote layer's death watch).</summary>
    public Action<MembershipSnapshot>? OnMembershipChanged { get; init; }

    /// <summary>
    /// The node's remote actor-ref provider: when set, it is the node's message registry, inbound sink and membership
    /// listener (each unless set above; a listener above is called too), and the host attaches it to the transport
    /// before the node starts, so local actors are reachable from other nodes.
    /// </summary>
    public RemoteActorRefProvider? Remote { get; init; }

    /// <summary>Overrides the store chosen by the settings (tests share one in-memory table between hosts).</summary>
    public IMembershipTable? Table { get; init; }

    /// <summary>Overrides the lease store chosen by the settings.</summary>
    public ILeaseStore? Leases { get; init; }

    /// <summary>Overrides the singleton run log chosen by the settings.</summary>
    public ISingletonRunLog? RunLog { get; init; }

    public ILoggerFactory? Loggers { get; init; }

    public TimeProvider? Time { get; init; }
}

/// <summary>
/// A node's whole cluster side, as <c>actorrec serve</c> runs it: the <see cref="ClusterNode"/> (transport,
/// heartbeats, membership) on the store the settings name, the lease store, and a
/// <see cref="ClusterSingletonManager"/> per singleton. <see cref="Exited"/> tells the host when to stop the process
/// and with which exit code.
/// </summary>
public sealed partial class ClusterHost : IAsyncDisposable
{
    private readonly ClusterSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<ClusterSingletonManager> _singletons = [];
    private readonly TaskCompletionSource<ClusterExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ISingletonRunLog _runLog;
    private readonly Lock _listenersGate = new();
    private Action<MembershipSnapshot>[] _listeners = [];
    private int _disposed;

    public ClusterHost(ClusterSettings settings, ClusterHostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        options ??= new ClusterHostOptions();
        _settings = settings.Validate();
        _time = options.Time ?? TimeProvider.System;
        var loggers = options.Loggers ?? NullLoggerFactory.Instance;
        _logger = loggers.CreateLogger<ClusterHost>();
        var dialect = settings.MembershipStore == MembershipStoreKind.InMemory ? null : SqlDialect.For(settings);
        Table = options.Table ?? (dialect is null ? new InMemoryMembershipTable(settings.ClusterName) : new SqlMembershipTable(dialect, settings.ClusterName));
        Leases = options.Leases ?? (dialect is null ? new InMemoryLeaseStore(_time) : new SqlLeaseStore(dialect, settings.ClusterName, _time));
        _runLog = options.RunLog ?? (dialect is null ? new InMemorySingletonRunLog() : new SqlSingletonRunLog(dialect, settings.ClusterName));

        // Shard hand-off (and other hooks) first, then the singletons stop and release their leases.
        var hooks = new List<IBeforeLeaveHook>(options.LeaveHooks) { new SingletonsLeaveHook(_singletons) };
        Remote = options.Remote;
        var configured = options.OnMembershipChanged;
        Action<MembershipSnapshot> onMembershipChanged = snapshot =>
        {
            configured?.Invoke(snapshot);
            foreach (var listener in Volatile.Read(ref _listeners))
            {
                listener(snapshot);
            }
        };
        if (Remote is { } remote)
        {
            var also = onMembershipChanged;
            onMembershipChanged = snapshot =>
            {
                remote.OnMembershipChanged(snapshot);
                also(snapshot);
            };
        }

        Node = new ClusterNode(
            settings,
            Table,
            options.Registry ?? Remote?.Registry ?? new MessageSerializerRegistryBuilder().Build(),
            options.Sink ?? (IRemoteMessageSink?)Remote ?? new LoggingDeadLetterSink(loggers.CreateLogger<LoggingDeadLetterSink>()),
            OnSelfDownAsync,
            hooks,
            onMembershipChanged,
            loggers: loggers,
            time: _time);
        Remote?.Attach(Node.Transport);
        foreach (var definition in options.Singletons)
        {
            var manager = new ClusterSingletonManager(definition, Leases, _runLog, Node.Self.MemberKey, settings.NodeName, IsUp,
                settings.LeaseDuration, _time, loggers.CreateLogger<ClusterSingletonManager>());
            _singletons.Add(manager);
        }
    }

    public ClusterNode Node { get; }

    /// <summary>The remote actor-ref provider attached to this node's transport, if the options named one.</summary>
    public RemoteActorRefProvider? Remote { get; }

    public IMembershipTable Table { get; }

    public ILeaseStore Leases { get; }

    public ClusterSettings Settings => _settings;

    public IReadOnlyList<ClusterSingletonManager> Singletons => _singletons;

    /// <summary>True once the node has joined (after <see cref="StartAsync"/>).</summary>
    public bool IsStarted { get; private set; }

    /// <summary>When this host started (for uptime).</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>Completes once when this node left the cluster or was declared down.</summary>
    public Task<ClusterExit> Exited => _exited.Task;

    /// <summary>Joins (or forms) the cluster and starts the singleton managers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        StartedAt = _time.GetUtcNow();
        await Leases.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await _runLog.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await Node.StartAsync(cancellationToken).ConfigureAwait(false);
        IsStarted = true;
        _ = WatchLeaveAsync(Node.Membership);
        foreach (var manager in _singletons)
        {
            manager.Start();
        }
    }

    /// <summary>
    /// Adds a listener called from the membership loop with every new table version, after the remote layer's
    /// (the sharding regions and coordinator follow members going down through it). Add before <see cref="StartAsync"/>
    /// to see every version.
    /// </summary>
    public void AddMembershipListener(Action<MembershipSnapshot> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_listenersGate)
        {
            Volatile.Write(ref _listeners, [.. _listeners, listener]);
        }
    }

    /// <summary>A proxy that finds the current holder of the singleton <paramref name="name"/>.</summary>
    public ClusterSingletonProxy SingletonProxy(string name) => new(name, Leases, () => Node.Membership.Current, _time);

    /// <summary>Graceful leave of this node; completes when it is Removed.</summary>
    public Task LeaveAsync() => Node.LeaveAsync();

    /// <summary>Operator leave of any member by name (this node or another).</summary>
    public Task<LeaveRequestOutcome> RequestLeaveAsync(string nodeName, CancellationToken cancellationToken = default) =>
        Node.Membership.RequestLeaveAsync(nodeName, cancellationToken);

    /// <summary>The singletons' lease rows as stored, for status pages.</summary>
    public async Task<IReadOnlyList<LeaseState>> ReadSingletonLeasesAsync(CancellationToken cancellationToken = default)
    {
        var states = new List<LeaseState>(_singletons.Count);
        foreach (var manager in _singletons)
        {
            if (await Leases.ReadAsync(ClusterSingletonDefinition.LeaseNameOf(manager.Name), cancellationToken).ConfigureAwait(false) is { } state)
            {
                states.Add(state);
            }
        }

        return states;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var manager in _singletons)
        {
            await manager.DisposeAsync().ConfigureAwait(false);
        }

        await Node.DisposeAsync().ConfigureAwait(false);
    }

    private bool IsUp()
    {
        var self = Node.Self;
        return Node.Membership.Current.Find(self.NodeName, self.Incarnation)?.Status == MemberStatus.Up;
    }

    private async Task WatchLeaveAsync(MembershipService membership)
    {
        try
        {
            await membership.WhenFinished.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (membership.HasLeft)
        {
            LogExit("left", _settings.NodeName, "graceful leave completed");
            _exited.TrySetResult(new ClusterExit(ClusterExitKind.Left, "left the cluster"));
        }
    }

    private async Task OnSelfDownAsync(string reason)
    {
        // Entities first: nothing may keep running under a membership the cluster has taken away.
        foreach (var manager in _singletons)
        {
            await manager.CloseAsync(release: true, "this node was declared down").ConfigureAwait(false);
        }

        LogExit("down", _settings.NodeName, reason);
        _exited.TrySetResult(new ClusterExit(ClusterExitKind.Down, reason));
    }

    private sealed class SingletonsLeaveHook(List<ClusterSingletonManager> managers) : IBeforeLeaveHook
    {
        public async Task BeforeLeaveAsync(MembershipSnapshot membership, CancellationToken cancellationToken)
        {
            foreach (var manager in managers)
            {
                await manager.BeforeLeaveAsync(membership, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 1550, Level = LogLevel.Warning, Message = "Cluster membership of {Node} ended ({Kind}): {Reason}")]
    private partial void LogExit(string kind, string node, string reason);
}
