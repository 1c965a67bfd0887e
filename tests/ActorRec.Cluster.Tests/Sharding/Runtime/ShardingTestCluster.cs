using System.Text;
using ActorRec.Actors;
using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Singleton;
using ActorRec.Cluster.Tests.MultiProcess;
using ActorRec.Cluster.Tests.Support;
using ActorRec.Persistence;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.InMemory;
using ActorRec.Persistence.Serialization;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace ActorRec.Cluster.Tests.Sharding.Runtime;

/// <summary>
/// Several sharding nodes in one process, wired as <c>actorrec serve</c> wires them: per node an actor system (real
/// clock), a <see cref="ClusterHost"/> on loopback with a remote provider, the coordinator singleton and the leave
/// hook, a <see cref="ClusterSharding"/> with a region of <see cref="CounterEntity"/>, and its own
/// <see cref="PersistenceRuntime"/>; all share one membership table, lease store, allocation store and journal (so a
/// stale owner's write meets the new owner's fence). Waits are on conditions with <see cref="TestTimeouts.Guard"/>.
/// </summary>
public sealed class ShardingTestCluster : IAsyncDisposable
{
    public const string TypeName = "counter";
    private readonly List<ShardNode> _nodes = [];

    private readonly EntityHostSettings _hostSettings;

    public ShardingTestCluster(ShardingSettings? settings = null, EntityHostSettings? hostSettings = null, IShardAllocationStore? store = null)
    {
        Store = store ?? new InMemoryShardAllocationStore();
        Settings = settings ?? ShardingSettings.Create(numberOfShards: 16);
        _hostSettings = (hostSettings ?? new EntityHostSettings { IdleTimeout = TimeSpan.Zero }) with { Journal = Journal };
    }

    public ShardingSettings Settings { get; }

    public InMemoryMembershipTable Table { get; } = new("actorrec");

    public InMemoryLeaseStore Leases { get; } = new();

    public InMemorySingletonRunLog Runs { get; } = new();

    public IShardAllocationStore Store { get; }

    public InMemoryJournal Journal { get; } = new();

    public InMemorySnapshotStore Snapshots { get; } = new();

    public ListLogger Log { get; } = new();

    public IReadOnlyList<ShardNode> Nodes => _nodes;

    /// <summary>The latest node started under <paramref name="name"/>.</summary>
    public ShardNode this[string name] => _nodes.Last(n => n.Name == name);

    public async Task<ShardNode> StartNodeAsync(string name, bool canCoordinate = true)
    {
        var system = ActorSystem.Create("actorrec");
        var loggers = new ListLoggerFactory(Log);
        var sharding = new ClusterSharding(system, Settings, Store, loggers);
        var builder = new MessageSerializerRegistryBuilder().AddRemoting();
        sharding.Register(builder);
        CounterEntity.Register(builder);
        var remote = new RemoteActorRefProvider(system, builder.Build());
        var host = new ClusterHost(
            (InProcessCluster.Settings(name) with { Secret = "sharding-test-secret-0123456789", LeaseDuration = TimeSpan.FromSeconds(3) }).Validate(),
            new ClusterHostOptions
            {
                Singletons = canCoordinate ? [sharding.CoordinatorSingleton] : [],
                LeaveHooks = [sharding.HandOffOnLeave],
                Remote = remote,
                Table = Table,
                Leases = Leases,
                RunLog = Runs,
            });
        sharding.Attach(host);
        await host.StartAsync();
        var runtime = new PersistenceRuntime(Journal, Snapshots, CounterEntity.Events(), PersistenceSettings.Default);
        var region = sharding.StartRegion(
            TypeName,
            start => Props.Create(() => new CounterEntity(start, name, runtime)),
            _hostSettings);
        var node = new ShardNode(name, system, host, sharding, region, runtime);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Waits until every running node sees exactly <paramref name="count"/> members Up.</summary>
    public async Task WaitUpAsync(int count)
    {
        foreach (var n in _nodes.Where(n => !n.Stopped))
        {
            await Poll.UntilAsync(
                () => Task.FromResult(n.Host.Node.Membership.Current.Members.Count(m => m.Status == MemberStatus.Up) == count),
                TestTimeouts.Guard, $"{n.Name} sees {count} members up");
        }
    }

    /// <summary>Waits until the coordinator runs on some node that also sees <paramref name="up"/> members Up.</summary>
    public Task WaitCoordinatorAsync(int up) =>
        Poll.UntilAsync(
            () => Task.FromResult(_nodes.Any(n => !n.Stopped && n.Sharding.IsCoordinator
                && n.Host.Node.Membership.Current.Members.Count(m => m.Status == MemberStatus.Up) == up)),
            TestTimeouts.Guard, $"a coordinator that sees {up} members up");

    /// <summary>Waits until no shard of the map (as <paramref name="from"/> reads it) is handing off and <paramref name="done"/> holds.</summary>
    public async Task<ShardMap> WaitMapAsync(ShardNode from, Func<ShardMap, bool> done, string what)
    {
        ShardMap? last = null;
        await Poll.UntilAsync(async () =>
        {
            last = await from.Sharding.GetShardMapAsync(TypeName);
            return last.Shards.All(s => s.Status != "handing-off") && done(last);
        }, TestTimeouts.Guard, what);
        return last!;
    }

    /// <summary>Waits until every entity's log holds <paramref name="expected"/> entries and returns the logs.</summary>
    public async Task<Dictionary<string, EntityLog>> WaitLogsAsync(ShardNode from, IReadOnlyCollection<string> entities, int expected)
    {
        var logs = new Dictionary<string, EntityLog>();
        await Poll.UntilAsync(async () =>
        {
            foreach (var id in entities)
            {
                logs[id] = (EntityLog)await from.Region.Ask(id, GetLog.Instance, TimeSpan.FromSeconds(10));
            }

            return logs.Values.All(l => l.Entries.Count >= expected);
        }, TestTimeouts.Guard, $"every entity logged {expected} messages");
        return logs;
    }

    /// <summary>
    /// Marks <paramref name="node"/> Down in the membership table, as the other members' verdict would, without the node
    /// hearing of it (its host is disposed first: it models a partitioned node whose entities still run).
    /// </summary>
    public async Task PartitionAndDownAsync(ShardNode node)
    {
        await node.StopHostAsync();
        while (true)
        {
            var snapshot = await Table.ReadAllAsync();
            var row = snapshot.Members.Single(m => m.NodeName == node.Name && m.IsLive);
            if (await Table.TryUpdateAsync(row with { Status = MemberStatus.Down }, snapshot.Version) == WriteOutcome.Applied)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }
    }

    /// <summary>Checks that each stream's messages to each entity were logged once each, all of them, in the order sent.</summary>
    public static void AssertCompleteAndOrdered(IReadOnlyDictionary<string, EntityLog> logs, IReadOnlyCollection<string> streams, int last, int first = 1)
    {
        foreach (var (id, log) in logs)
        {
            foreach (var stream in streams)
            {
                var seqs = log.Entries.Where(e => e.StartsWith(stream + ":", StringComparison.Ordinal))
                    .Select(e => long.Parse(e[(stream.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Assert.True(seqs.SequenceEqual(Enumerable.Range(first, last - first + 1).Select(i => (long)i)),
                    $"entity {id}, stream {stream}: expected {first}..{last} in order, got [{string.Join(",", seqs)}]");
            }
        }
    }
}

/// <summary>One node of a <see cref="ShardingTestCluster"/>.</summary>
public sealed class ShardNode(string name, ActorSystem system, ClusterHost host, ClusterSharding sharding, ShardedRegion region, PersistenceRuntime runtime)
    : IAsyncDisposable
{
    private int _hostStopped;
    private int _disposed;

    public string Name { get; } = name;

    public ActorSystem System { get; } = system;

    public ClusterHost Host { get; } = host;

    public ClusterSharding Sharding { get; } = sharding;

    public ShardedRegion Region { get; } = region;

    public PersistenceRuntime Runtime { get; } = runtime;

    public bool Stopped => Volatile.Read(ref _hostStopped) != 0;

    public async Task StopHostAsync()
    {
        if (Interlocked.Exchange(ref _hostStopped, 1) == 0)
        {
            await Host.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopHostAsync();
        await Sharding.DisposeAsync();
        await System.Terminate();
    }
}

public sealed record Add(string Stream, long Seq);

public sealed record Ack(string EntityId, string Node, long Epoch, long Seq);

public sealed class GetLog
{
    private GetLog()
    {
    }

    public static GetLog Instance { get; } = new();
}

public sealed record EntityLog(string EntityId, string Node, long Epoch, IReadOnlyList<string> Entries);

public sealed record Added(string Stream, long Seq);

/// <summary>
/// A persistent test entity that logs "stream:seq" for every <see cref="Add"/> (journaled with its shard's epoch and
/// fence key from <see cref="EntityStart"/>) and answers with the node and epoch it runs at. A failed write is answered
/// with the failure, so a test sees a fencing rejection at the asker.
/// </summary>
public sealed class CounterEntity : PersistentActor
{
    private readonly EntityStart _start;
    private readonly string _node;
    private readonly List<string> _entries = [];
    private IActorRef? _replyTo;

    public CounterEntity(EntityStart start, string node, PersistenceRuntime runtime)
        : base(runtime)
    {
        _start = start;
        _node = node;
    }

    public override string PersistenceId => "counter/" + _start.EntityId;

    protected override long WriterEpoch => _start.Epoch;

    protected override string? FenceKey => _start.FenceKey;

    public static EventSerializerRegistry Events() =>
        new EventSerializerRegistry().Register<Added>("test.added", 1, (w, e) =>
        {
            w.Write(e.Stream);
            w.Write(e.Seq);
        }, r => new Added(r.ReadString(), r.ReadInt64()));

    public static void Register(MessageSerializerRegistryBuilder builder) => builder
        .Register<Add>("test.add", a => Join(a.Stream, a.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            p => Split(p) is var f ? new Add(f[0], long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)) : null!)
        .Register<Ack>("test.ack", a => Join(a.EntityId, a.Node, a.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            p => Split(p) is var f ? new Ack(f[0], f[1], long.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), long.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture)) : null!)
        .Register<GetLog>("test.get-log", _ => ByteString.Empty, _ => GetLog.Instance)
        .Register<EntityLog>("test.log", l => Join([l.EntityId, l.Node, l.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), .. l.Entries]),
            p => Split(p) is var f ? new EntityLog(f[0], f[1], long.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), f[3..]) : null!);

    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case Add add:
                var replyTo = Sender;
                _replyTo = replyTo;
                Persist(new Added(add.Stream, add.Seq), e =>
                {
                    _entries.Add(e.Stream + ":" + e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    replyTo?.Tell(new Ack(_start.EntityId, _node, _start.Epoch, e.Seq), Self);
                });
                return true;
            case GetLog:
                Sender?.Tell(new EntityLog(_start.EntityId, _node, _start.Epoch, [.. _entries]), Self);
                return true;
            default:
                return false;
        }
    }

    protected override void ReceiveRecover(object @event)
    {
        if (@event is Added e)
        {
            _entries.Add(e.Stream + ":" + e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    protected override void OnPersistFailure(Exception cause, long sequenceNr)
    {
        _replyTo?.Tell(new Status.Failure(cause), Self);
        base.OnPersistFailure(cause, sequenceNr);
    }

    private static ByteString Join(params string[] fields) => ByteString.CopyFromUtf8(string.Join('\u001f', fields));

    private static string[] Split(ReadOnlySpan<byte> payload) => Encoding.UTF8.GetString(payload).Split('\u001f');
}

/// <summary>Every logger writes to one <see cref="ListLogger"/>.</summary>
public sealed class ListLoggerFactory(ListLogger logger) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => logger;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
