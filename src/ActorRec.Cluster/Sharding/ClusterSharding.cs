using System.Collections.Concurrent;
using ActorRec.Actors;
using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Singleton;
using Microsoft.Extensions.Logging;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// The distributed sharding runtime of one node: entity id → shard (stable hash) → node (decided by the coordinator
/// singleton and kept in the <see cref="IShardAllocationStore"/>), with a region per entity type on every node.
/// </summary>
/// <remarks>
/// <para>Wiring, in this order:</para>
/// <code>
/// var sharding = new ClusterSharding(system, shardingSettings, allocationStore, loggers);
/// var builder = new MessageSerializerRegistryBuilder().AddRemoting();   // + the entity messages
/// sharding.Register(builder);
/// var remote = new RemoteActorRefProvider(system, builder.Build(), loggers);
/// var host = new ClusterHost(clusterSettings, new ClusterHostOptions {
///     Remote = remote, Singletons = [sharding.CoordinatorSingleton], LeaveHooks = [sharding.HandOffOnLeave] });
/// sharding.Attach(host);
/// await host.StartAsync();
/// var users = sharding.StartRegion("user", start => UserProps(start), EntityHostSettings.From(shardingSettings, journal));
/// </code>
/// <para>The protocol (handoff without loss, epochs, fencing) is described in the folder's README and in
/// <see cref="RegionShardRouter"/>, <see cref="CoordinatorService"/> and <see cref="EntityHostActor"/>.</para>
/// </remarks>
public sealed class ClusterSharding : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ShardingSerializers _serializers;
    private readonly CoordinatorService _coordinator;
    private readonly ConcurrentDictionary<string, ShardedRegion> _regions = new(StringComparer.Ordinal);
    private readonly Lock _startGate = new();
    private volatile Dictionary<string, string> _addresses = new(StringComparer.Ordinal);
    private ClusterHost? _host;
    private ClusterSingletonProxy? _proxy;

    public ClusterSharding(ActorSystem system, ShardingSettings settings, IShardAllocationStore store, ILoggerFactory loggers, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(loggers);
        _system = system;
        Settings = settings;
        _loggers = loggers;
        _logger = loggers.CreateLogger<ClusterSharding>();
        _time = time ?? TimeProvider.System;
        Resolver = new ShardResolver(settings.NumberOfShards);
        _serializers = new ShardingSerializers(() => _host?.Remote);
        _coordinator = new CoordinatorService(this, store, settings, loggers.CreateLogger<ShardCoordinator>(), _time);
        CoordinatorSingleton = new ClusterSingletonDefinition(ShardingPaths.SingletonName, () => new CoordinatorService.Singleton(_coordinator));
        HandOffOnLeave = new LeaveHook(this);
    }

    public ShardingSettings Settings { get; }

    /// <summary>Entity id → shard, as every node computes it.</summary>
    public ShardResolver Resolver { get; }

    /// <summary>The shard coordinator singleton: goes into <see cref="ClusterHostOptions.Singletons"/>.</summary>
    public ClusterSingletonDefinition CoordinatorSingleton { get; }

    /// <summary>Hands every shard of this node off on a graceful leave: goes into <see cref="ClusterHostOptions.LeaveHooks"/>.</summary>
    public IBeforeLeaveHook HandOffOnLeave { get; }

    /// <summary>This node's name (valid after <see cref="Attach"/>).</summary>
    public string SelfNode => (_host ?? throw NotAttached()).Settings.NodeName;

    /// <summary>True while the coordinator singleton runs on this node.</summary>
    public bool IsCoordinator => _coordinator.IsActive;

    /// <summary>Entity types with a region on this node.</summary>
    public IReadOnlyCollection<string> TypeNames => [.. _regions.Keys];

    /// <summary>Registers the sharding protocol's own messages (every node's registry needs them).</summary>
    public void Register(MessageSerializerRegistryBuilder registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _serializers.Register(registry);
    }

    /// <summary>Connects to the node's host; call after the host is built and before it starts.</summary>
    /// <exception cref="ArgumentException">The host has no remote actor-ref provider.</exception>
    public void Attach(ClusterHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.Remote is not { } remote)
        {
            throw new ArgumentException("ClusterSharding needs a host with a remote actor-ref provider (ClusterHostOptions.Remote).", nameof(host));
        }

        if (!ReferenceEquals(remote.System, _system))
        {
            throw new ArgumentException("The host's remote provider belongs to another actor system than this ClusterSharding.", nameof(host));
        }

        if (remote.Registry.ManifestOf(typeof(RegionEnvelope)) is null)
        {
            throw new ArgumentException("The host's message registry lacks the sharding messages: call ClusterSharding.Register on its builder.", nameof(host));
        }

        if (Interlocked.CompareExchange(ref _host, host, null) is not null)
        {
            throw new InvalidOperationException("ClusterSharding is already attached to a host.");
        }

        _proxy = host.SingletonProxy(ShardingPaths.SingletonName);
        _coordinator.Endpoint = _system.SystemActorOf(Props.Create(() => new CoordinatorService.EndpointActor(_coordinator)), ShardingPaths.CoordinatorName);
        host.AddMembershipListener(OnMembershipChanged);
    }

    /// <summary>Starts the region of <paramref name="typeName"/> on this node (every node starts the same types).</summary>
    /// <exception cref="ArgumentException">The type already has a region, or its name is empty.</exception>
    public ShardedRegion StartRegion(string typeName, Func<EntityStart, Props> entityProps, EntityHostSettings settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        ArgumentNullException.ThrowIfNull(entityProps);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var host = _host ?? throw NotAttached();
        lock (_startGate)
        {
            if (_regions.ContainsKey(typeName))
            {
                throw new ArgumentException($"A region of entity type '{typeName}' is already started.", nameof(typeName));
            }

            var logger = _loggers.CreateLogger<RegionShardRouter>();
            var owners = new ShardOwners(Settings.NumberOfShards);
            var actor = _system.SystemActorOf(
                Props.Create(() => new RegionActor(typeName, this, entityProps, settings, owners, logger)), ShardingPaths.RegionName(typeName));
            var region = new ShardedRegion(typeName, actor, Resolver, () => host.Remote?.Registry, owners);
            _regions[typeName] = region;
            return region;
        }
    }

    /// <summary>The region of <paramref name="typeName"/> started on this node.</summary>
    /// <exception cref="ArgumentException">No region of that type runs here.</exception>
    public ShardedRegion Region(string typeName) =>
        _regions.TryGetValue(typeName ?? throw new ArgumentNullException(nameof(typeName)), out var region)
            ? region
            : throw new ArgumentException($"Unknown entity type '{typeName}': no region of it was started on this node.", nameof(typeName));

    /// <summary>Every shard of <paramref name="typeName"/> with its owner, epoch, status and entity count (asked from every node's region).</summary>
    public async Task<ShardMap> GetShardMapAsync(string typeName, CancellationToken ct = default)
    {
        var region = Region(typeName);
        var rows = await AskCoordinatorAsync(new CoordinatorCommand("map", typeName, 0, ""), ct).ConfigureAwait(false);
        var counts = new int[Settings.NumberOfShards];
        var asks = new List<Task<ShardCounts>>();
        foreach (var address in _addresses.Values)
        {
            asks.Add(_host!.Remote!.RefFor(address, ShardingPaths.RegionElements(region.TypeName)).Ask<ShardCounts>(GetShardCounts.Instance, Settings.CoordinatorTimeout, ct));
        }

        foreach (var ask in asks)
        {
            try
            {
                var c = await ask.ConfigureAwait(false);
                for (var i = 0; i < c.Shards.Count; i++)
                {
                    if ((uint)c.Shards[i] < (uint)counts.Length)
                    {
                        counts[c.Shards[i]] += c.Counts[i];
                    }
                }
            }
            catch (Exception e) when (e is AskTimeoutException or RecipientTerminatedException or RemoteFailureException)
            {
                // A node that does not answer contributes no counts; the map is still complete.
            }
        }

        var byShard = new Dictionary<int, ShardRecord>();
        foreach (var r in rows.Shards)
        {
            byShard[r.Shard] = r;
        }

        var entries = new ShardMapEntry[Settings.NumberOfShards];
        for (var shard = 0; shard < entries.Length; shard++)
        {
            entries[shard] = byShard.TryGetValue(shard, out var r)
                ? new ShardMapEntry(shard, r.Owner, r.Epoch, r.Status == ShardStatus.HandingOff ? "handing-off" : "allocated", counts[shard])
                : new ShardMapEntry(shard, null, 0, "unallocated", counts[shard]);
        }

        return new ShardMap(typeName, entries);
    }

    /// <summary>
    /// A dump of this node's region of <paramref name="typeName"/>: every place a message can wait here (region buffers,
    /// fence queues, the recovery throttle, entity buffers), and <paramref name="entityId"/>'s own state when given.
    /// </summary>
    /// <exception cref="ArgumentException">No region of that type runs here.</exception>
    public async Task<RegionDiagnostics> DescribeAsync(string typeName, string? entityId = null, CancellationToken ct = default)
    {
        var region = Region(typeName);
        if (entityId is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(entityId);
        }

        return await region.Ref.Ask<RegionDiagnostics>(new DescribeRegion(entityId), Settings.CoordinatorTimeout, ct).ConfigureAwait(false);
    }

    /// <summary>Where <paramref name="entityId"/> of <paramref name="typeName"/> lives (node null while its shard is unallocated).</summary>
    public async Task<ShardLocation> LocateAsync(string typeName, string entityId, CancellationToken ct = default)
    {
        Region(typeName);
        ArgumentException.ThrowIfNullOrEmpty(entityId);
        var shard = Resolver.ShardOf(entityId);
        var rows = await AskCoordinatorAsync(new CoordinatorCommand("map", typeName, 0, ""), ct).ConfigureAwait(false);
        foreach (var r in rows.Shards)
        {
            if (r.Shard == shard)
            {
                return new ShardLocation(typeName, entityId, shard, r.Owner, r.Epoch);
            }
        }

        return new ShardLocation(typeName, entityId, shard, null, 0);
    }

    /// <summary>One rebalance round now: the handoffs it began.</summary>
    public async Task<IReadOnlyList<ShardMove>> RebalanceAsync(string typeName, CancellationToken ct = default)
    {
        Region(typeName);
        return (await AskCoordinatorAsync(new CoordinatorCommand("rebalance", typeName, 0, ""), ct).ConfigureAwait(false)).Moves;
    }

    /// <summary>Operator move of <paramref name="shard"/> to <paramref name="node"/> (an up member); completes when the handoff has begun.</summary>
    /// <exception cref="ArgumentException">Unknown type, shard out of range, node not up, or the shard cannot move (unallocated, moving, already there).</exception>
    public async Task<ShardMove> MoveAsync(string typeName, int shard, string node, CancellationToken ct = default)
    {
        Region(typeName);
        if ((uint)shard >= (uint)Settings.NumberOfShards)
        {
            throw new ArgumentOutOfRangeException(nameof(shard), shard, $"Shard {shard} is out of range: '{typeName}' has shards 0..{Settings.NumberOfShards - 1}.");
        }

        CheckMember(node, requireUp: true);
        var reply = await AskCoordinatorAsync(new CoordinatorCommand("move", typeName, shard, node), ct).ConfigureAwait(false);
        return reply.Moves.Count == 1 ? reply.Moves[0] : throw new InvalidOperationException($"The coordinator began no move of shard {shard} of '{typeName}'.");
    }

    /// <summary>Hands off every shard of every type owned by <paramref name="node"/>; completes when it owns none.</summary>
    /// <exception cref="ArgumentException">The node is not a live member.</exception>
    public async Task DrainAsync(string node, CancellationToken ct = default)
    {
        CheckMember(node, requireUp: false);
        await AskCoordinatorAsync(new CoordinatorCommand("drain", "", 0, node), ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _coordinator.DisposeAsync().ConfigureAwait(false);
    }

    internal MembershipSnapshot? CurrentMembership()
    {
        var host = _host;
        return host is { IsStarted: true } ? host.Node.Membership.Current : null;
    }

    /// <summary>The region of <paramref name="typeName"/> on <paramref name="node"/> (local on this node), or null when the node is not live.</summary>
    internal IActorRef? RegionRef(string node, string typeName)
    {
        var host = _host ?? throw NotAttached();
        if (node == host.Settings.NodeName)
        {
            return _regions.TryGetValue(typeName, out var local) ? local.Ref : null;
        }

        return _addresses.TryGetValue(node, out var address) ? host.Remote!.RefFor(address, ShardingPaths.RegionElements(typeName)) : null;
    }

    /// <summary>The coordinator endpoint of the node holding the singleton's lease, or null while none does.</summary>
    internal async Task<IActorRef?> LocateCoordinatorAsync(CancellationToken ct = default)
    {
        var host = _host ?? throw NotAttached();
        if (await _proxy!.LocateAsync(ct).ConfigureAwait(false) is not { } location)
        {
            return null;
        }

        return location.NodeName == host.Settings.NodeName ? _coordinator.Endpoint : host.Remote!.RefFor(location.Address, ShardingPaths.CoordinatorElements);
    }

    private async Task<CoordinatorReply> AskCoordinatorAsync(CoordinatorCommand command, CancellationToken ct)
    {
        // Retries while the singleton moves or has no holder; each attempt waits coordinator-timeout for an answer
        // (a drain is asked again until the coordinator answers that the node owns nothing).
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (await LocateCoordinatorAsync(ct).ConfigureAwait(false) is { } coordinator)
            {
                try
                {
                    return await coordinator.Ask<CoordinatorReply>(command, Settings.CoordinatorTimeout, ct).ConfigureAwait(false);
                }
                catch (RemoteFailureException e) when (e.RemoteType.EndsWith("ArgumentException", StringComparison.Ordinal))
                {
                    throw new ArgumentException(e.Message);
                }
                catch (Exception e) when (e is AskTimeoutException or ShardUnavailableException or RecipientTerminatedException
                    || (e is RemoteFailureException r && r.RemoteType == typeof(ShardUnavailableException).FullName))
                {
                    // The coordinator moved or is not running yet: locate it again.
                }
            }

            await Task.Delay(Settings.RetryInterval, _time, ct).ConfigureAwait(false);
        }
    }

    private void CheckMember(string node, bool requireUp)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        var snapshot = CurrentMembership() ?? MembershipSnapshot.Empty;
        foreach (var m in snapshot.Members)
        {
            if (m.NodeName == node && (requireUp ? m.Status == MemberStatus.Up : m.IsLive))
            {
                return;
            }
        }

        throw new ArgumentException($"Unknown node '{node}': it is not {(requireUp ? "an up" : "a live")} member of the cluster.", nameof(node));
    }

    private void OnMembershipChanged(MembershipSnapshot snapshot)
    {
        var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in snapshot.Members)
        {
            if (m.IsLive)
            {
                addresses[m.NodeName] = m.Address;
            }
        }

        _addresses = addresses;
        _coordinator.OnMembership(snapshot);
        var self = _host!.Node.Self;
        var changed = new RegionActor.MembersChanged(snapshot, snapshot.Find(self.NodeName, self.Incarnation) is { IsLive: false });
        foreach (var region in _regions.Values)
        {
            region.Ref.Tell(changed, null);
        }
    }

    private static InvalidOperationException NotAttached() => new("ClusterSharding is not attached to a host: call Attach(host) after building it.");

    private sealed class LeaveHook(ClusterSharding sharding) : IBeforeLeaveHook
    {
        public async Task BeforeLeaveAsync(MembershipSnapshot membership, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(sharding.Settings.DrainTimeout);
            try
            {
                await sharding.DrainAsync(sharding.SelfNode, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                ShardingLog.DrainTimedOut(sharding._logger, sharding.SelfNode, sharding.Settings.DrainTimeout);
            }
        }
    }
}
