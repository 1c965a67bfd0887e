using System.Collections.Concurrent;
using ActorRec.Actors;
using ActorRec.Cluster;
using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Singleton;
using ActorRec.Cluster.Storage;
using ActorRec.Persistence.Actors;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Checkpoints;
using ActorRec.Recommender.Entities;
using ActorRec.Server.Admin;
using ActorRec.Server.Api;
using ActorRec.Server.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorRec.Server.Sharding;

/// <summary>
/// One node of a sharded feed cluster: users and videos are sharded entities (<see cref="ClusterSharding"/> with its
/// allocation in the cluster's store), reached through <see cref="ClusterShardRegion"/>s by the unchanged feed engine;
/// every feed message is registered for remoting (<see cref="FeedWireSerializers"/>); every node keeps read copies of
/// all videos (<see cref="VideoReadCopies"/>); the shard admin API is served by <see cref="ClusterShardAdmin"/>.
/// Event batches travel to each owning node as one bundled part (<see cref="EntityBatchEndpoint"/>), and requests
/// waiting on a node that is lost fail at once (<see cref="NodeLossWatch"/>, fed by membership and the transport).
/// <para>Build it before the ASP.NET host (the registry, singletons and leave hook must exist before the cluster host),
/// then <see cref="AddTo"/> puts the host, the engine, the start-up task and the admin into the services.</para>
/// </summary>
public sealed class ClusterFeedNode : IEntityRegionFactory
{
    private readonly ILoggerFactory _loggers;
    private readonly ShardingSettings _sharding;
    private readonly RoutingSettings _routing;
    private readonly ShardAdminOptions _admin;
    private readonly FeedNodeOptions _options;
    private readonly ConcurrentDictionary<string, ClusterShardRegion> _regions = new(StringComparer.Ordinal);
    private PersistenceRuntime? _runtime;

    /// <param name="system">The node's actor system (the feed engine runs on it and owns it).</param>
    /// <param name="cluster">The node's cluster settings (membership store, name, port, secret).</param>
    /// <param name="sharding">Shard count, rebalancing, passivation, recovery rate.</param>
    /// <param name="options">The feed engine's settings and journal (which the cluster's nodes must share).</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="store">Shard allocation store; null: the SQL store in the cluster's membership database.</param>
    /// <param name="extraSingletons">More singletons for the host (the CLI adds its leader).</param>
    /// <param name="routing">Back-off of asks whose shard is being handed off, Retry-After, bundling (<c>actorrec.routing</c>).</param>
    /// <param name="time">Clock of the sharding runtime and the retries.</param>
    /// <param name="configureHost">Adjusts the host options (tests give in-memory membership, lease and run-log stores).</param>
    /// <param name="admin">Options of the shard admin API (<c>actorrec.admin.drain-timeout</c>).</param>
    public ClusterFeedNode(ActorSystem system, ClusterSettings cluster, ShardingSettings sharding, FeedNodeOptions options, ILoggerFactory loggers,
        IShardAllocationStore? store = null, IReadOnlyList<ClusterSingletonDefinition>? extraSingletons = null, RoutingSettings? routing = null,
        TimeProvider? time = null, Func<ClusterHostOptions, ClusterHostOptions>? configureHost = null, ShardAdminOptions? admin = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(sharding);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        System = system;
        _options = options;
        _loggers = loggers;
        _sharding = sharding;
        _routing = routing ?? RoutingSettings.Default;
        _admin = admin ?? ShardAdminOptions.Default;
        Time = time ?? TimeProvider.System;
        Sharding = new ClusterSharding(system, sharding, store ?? new SqlShardAllocationStore(SqlDialect.For(cluster), cluster.ClusterName), loggers, time);
        var builder = new MessageSerializerRegistryBuilder().AddRemoting().AddFeedMessages(Wire);
        Sharding.Register(builder);
        Wire.Registry = builder.Build();
        var remote = new RemoteActorRefProvider(system, Wire.Registry, loggers);
        var hostOptions = new ClusterHostOptions
        {
            Singletons = [.. extraSingletons ?? [], Sharding.CoordinatorSingleton],
            LeaveHooks = [Sharding.HandOffOnLeave],
            Remote = remote,
            Loggers = loggers,
            Time = time,
        };
        Host = new ClusterHost(cluster, configureHost?.Invoke(hostOptions) ?? hostOptions);
        NodeName = cluster.NodeName;
        Sharding.Attach(Host);
        ReadCopies = new VideoReadCopies(Host, options.Feed, loggers.CreateLogger<VideoReadCopies>());
        Watch = new NodeLossWatch(cluster.NodeName);
        Host.AddMembershipListener(snapshot =>
        {
            Watch.SetSelfKey(Host.Node.Self.MemberKey);
            Watch.OnMembership(snapshot);
        });
        Host.Node.PeerConnected += peer => Watch.OnConnected(peer.NodeName);
        Host.Node.PeerDisconnected += peer => Watch.OnDisconnected(peer.NodeName);
        system.SystemActorOf(Props.Create(() => new EntityBatchEndpoint(type => _regions.TryGetValue(type, out var r) ? r : null)), EntityBatchEndpoint.Name);
    }

    public ActorSystem System { get; }

    public TimeProvider Time { get; }

    /// <summary>This node's name (its model checkpoint file is named after it).</summary>
    public string NodeName { get; }

    public ClusterSharding Sharding { get; }

    public ClusterHost Host { get; }

    /// <summary>The node's feed pipeline for the serializers (set when the engine is built).</summary>
    public FeedWireContext Wire { get; } = new();

    public VideoReadCopies ReadCopies { get; }

    /// <summary>The other nodes this node has lost (connection, unreachable, down): requests waiting on them fail at once.</summary>
    public NodeLossWatch Watch { get; }

    /// <summary>The engine built by <see cref="CreateEngine"/>, or null before.</summary>
    public FeedEngine? Engine { get; private set; }

    /// <summary>Regions this node started (by type), as the engine sees them.</summary>
    public IReadOnlyDictionary<string, ClusterShardRegion> Regions => _regions;

    /// <summary>
    /// Builds the feed engine on <see cref="System"/> with sharded regions over <paramref name="runtime"/> (the
    /// cluster's shared journal, whose shard fences the entity hosts raise), and starts the read copies of its catalog.
    /// </summary>
    public FeedEngine CreateEngine(PersistenceRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (Engine is not null)
        {
            throw new InvalidOperationException("the feed engine of this node is already built");
        }

        _runtime = runtime;
        var engine = new FeedEngine(System, runtime, _options.Feed, _options.Entities, _loggers.CreateLogger<FeedEngine>(), ownsSystem: true, regions: this);
        Wire.Pipeline = engine.Pipeline;
        ReadCopies.Start(System, engine.Catalog);
        engine.FindMissingVideo = (videoId, ct) => ReadCopies.FetchMissingAsync(runtime, videoId, ct);
        Engine = engine;
        return engine;
    }

    IShardRegion IEntityRegionFactory.Start(string typeName, EntityProps props)
    {
        ArgumentNullException.ThrowIfNull(props);
        var settings = EntityHostSettings.From(_sharding, _runtime?.Journal);
        var region = new ClusterShardRegion(Sharding.StartRegion(typeName, start => props(start.EntityId, start.Epoch, start.FenceKey), settings), _routing, Time,
            Host.Settings.NodeName, Watch, SendPart, id => Sharding.DescribeAsync(typeName, id), _loggers.CreateLogger<ClusterShardRegion>());
        _regions[typeName] = region;
        return region;
    }

    // A bundled part to node's batch endpoint, over the node pair's connection.
    private Task<object> SendPart(string node, EntityBatch part, TimeSpan timeout) =>
        Watch.TryGetAddress(node, out var address) && Host.Remote is { } remote
            ? remote.RefFor(address, EntityBatchEndpoint.Elements).Ask(part, timeout)
            : Task.FromException<object>(new EntityUnavailableException($"node {node} is not a live member: its {part.TypeName} part cannot be sent")
            {
                RetryAfter = _routing.RetryAfter,
            });

    /// <summary>
    /// Registers the cluster host (joining is the first start-up task), the options, the engine (over the
    /// journal the options name, which must be shared by the cluster), the start-up task that loads the read
    /// copies and seeds the demo catalog once, and the shard admin.
    /// </summary>
    public void AddTo(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = _options;
        services.AddClusterHost(Host);
        services.AddSingleton(options);
        services.AddSingleton(this);
        services.AddSingleton(sp => CreateEngine(PersistenceRuntime.Open(
            options.Persistence, EntitySerializers.CreateRegistry(), null, sp.GetRequiredService<ILoggerFactory>().CreateLogger("ActorRec.Persistence"))));
        services.AddModelCheckpoints(options, NodeName);
        services.AddSingleton<IStartupTask>(sp => new ClusterFeedStartupTask(this, sp.GetRequiredService<FeedEngine>(), options, sp.GetService<ModelCheckpointer>()));
        services.AddSingleton<IShardAdmin>(new ClusterShardAdmin(Sharding, Host));
        services.AddSingleton(_admin);
    }
}

/// <summary>
/// Readiness gate of a clustered feed node: its read copy of every video from the shared journal, then the demo
/// catalog when the journal held no video, then the node's model checkpoint. Seeding is idempotent: the generator is deterministic and a repeated
/// registration re-states the same metadata (history only counts on creation), so nodes that start together and
/// both find the journal empty register the same catalog.
/// </summary>
internal sealed class ClusterFeedStartupTask(ClusterFeedNode node, FeedEngine engine, FeedNodeOptions options, ModelCheckpointer? checkpointer = null) : IStartupTask
{
    public string Name => "feed-engine";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var loaded = await node.ReadCopies.LoadAsync(engine.Runtime, cancellationToken).ConfigureAwait(false);
        if (loaded == 0 && options.DemoVideos > 0)
        {
            await engine.SeedDemoCatalogAsync(new DemoCatalogOptions { Videos = options.DemoVideos }, cancellationToken).ConfigureAwait(false);
        }

        // The node's own model (per node, in its data dir): restored once its catalog copy is loaded.
        if (checkpointer is not null)
        {
            checkpointer.Restore();
            checkpointer.Start();
        }
    }
}
