using ActorRec.Actors;
using ActorRec.Actors.TestKit;
using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Tests.Sharding.Runtime;
using ActorRec.Cluster.Tests.Support;
using ActorRec.Persistence;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.InMemory;
using Microsoft.Extensions.Logging.Abstractions;
using static ActorRec.Cluster.Sharding.EntityHostProtocol;

namespace ActorRec.Cluster.Tests.Sharding;

/// <summary>The state dump behind <see cref="ClusterSharding.DescribeAsync"/>: every place a message can wait on a node shows up with its age.</summary>
public sealed class RegionDiagnosticsTests
{
    [Fact]
    public void The_router_lists_shards_whose_messages_wait_for_a_home_with_their_age_and_forgets_them_once_served()
    {
        var time = new VirtualTimeProvider();
        var effects = new CountingEffects();
        var resolver = new ShardResolver(16);
        var router = new RegionShardRouter("user", "n1", resolver, 100, effects, NullLogger.Instance, time);
        var id = "u1";
        var shard = resolver.ShardOf(id);
        router.Route(new RoutedMessage(id, "a", null));
        time.Advance(TimeSpan.FromSeconds(9));
        router.RetryResolving();
        time.Advance(TimeSpan.FromSeconds(3));
        router.Route(new RoutedMessage(id, "b", null));

        var shards = new List<RegionShardDiagnostics>();
        var phases = new Dictionary<string, int>(StringComparer.Ordinal);
        router.Describe(shards, phases);
        var s = Assert.Single(shards);
        Assert.Equal((shard, "Resolving", 2), (s.Shard, s.Phase, s.Buffered));
        Assert.Equal(TimeSpan.FromSeconds(12), s.OldestBuffered); // since the first message, not the last
        Assert.Equal(TimeSpan.FromSeconds(3), s.SinceHomeRequest); // the retry asked again
        Assert.Equal(1, phases["Resolving"]);
        Assert.Equal(TimeSpan.FromSeconds(12), router.OldestBuffered());

        router.OnHome(new ShardHome(shard, "n1", 1));
        shards.Clear();
        router.Describe(shards, phases);
        Assert.Empty(shards); // served here with nothing buffered: not listed
        Assert.Equal(TimeSpan.Zero, router.OldestBuffered());
        Assert.Equal(2, effects.Delivered);

        router.Describe(shards, phases, alsoShard: shard);
        Assert.Equal("Local", Assert.Single(shards).Phase); // the asked-about shard is listed whatever its state
    }

    [Fact]
    public async Task The_host_reports_entities_waiting_for_the_recovery_throttle_and_one_entity_in_detail()
    {
        var time = new VirtualTimeProvider();
        await using var system = ActorSystem.Create("diag", timeProvider: time);
        var runtime = new PersistenceRuntime(new InMemoryJournal(), new InMemorySnapshotStore(), CounterEntity.Events(), PersistenceSettings.Default);
        var settings = new EntityHostSettings { IdleTimeout = TimeSpan.Zero, RecoveryEntitiesPerSecond = 0.1, RecoveryBurst = 1 };
        var host = system.ActorOf(Props.Create(() => new EntityHostActor(ShardingTestCluster.TypeName, "n1",
            start => Props.Create(() => new CounterEntity(start, "n1", runtime)), settings, NullLogger.Instance)), "entities");
        host.Tell(new PrepareShard(0, 1), null);
        for (var i = 0; i < 3; i++)
        {
            host.Tell(new Deliver(0, 1, "e" + i, new Add("s", i)), null);
        }

        await host.Ask<Counts>(GetCounts.Instance, TimeSpan.FromHours(1)).WaitAsync(TestTimeouts.Guard); // the deliveries are in
        time.Advance(TimeSpan.FromSeconds(4));
        var d = await host.Ask<HostDiagnostics>(new DescribeHost("e2", 0), TimeSpan.FromHours(1)).WaitAsync(TestTimeouts.Guard);
        Assert.Equal((3, 1, 2, 0), (d.Entities, d.Running, d.WaitingToStart, d.Passivating));
        Assert.Equal((2, 2), (d.BufferedInEntities, d.ThrottleWaiting));
        Assert.Equal(TimeSpan.FromSeconds(4), d.OldestWaiting);
        Assert.True(d.ThrottleTimerArmed);
        var e = Assert.IsType<EntityDiagnostics>(d.Entity);
        Assert.Equal(("e2", "waiting-to-start", 1, 1L), (e.EntityId, e.State, e.Buffered, e.Messages));
        Assert.Null(e.SinceStart);
        Assert.Equal(TimeSpan.FromSeconds(4), e.SinceLastMessage);
        Assert.Equal(0, Assert.Single(d.Shards).Shard); // the asked-about entity's shard is listed even when healthy

        var absent = await host.Ask<HostDiagnostics>(new DescribeHost("nobody", 3), TimeSpan.FromHours(1)).WaitAsync(TestTimeouts.Guard);
        Assert.Equal(EntityDiagnostics.Absent, absent.Entity!.State);
        var text = new RegionDiagnostics("counter", "n1", true, new Dictionary<string, int> { ["Local"] = 1 }, [], d).Describe();
        Assert.Contains("2 waiting to start", text, StringComparison.Ordinal);
        Assert.Contains("entity e2 (shard 0): waiting-to-start", text, StringComparison.Ordinal);
        Assert.True(new RegionDiagnostics("counter", "n1", true, new Dictionary<string, int>(), [], d).HasMessagesOlderThan(TimeSpan.FromSeconds(4)));
        Assert.False(new RegionDiagnostics("counter", "n1", true, new Dictionary<string, int>(), [], d).HasMessagesOlderThan(TimeSpan.FromSeconds(5)));
        var hung = new RegionDiagnostics("counter", "n1", true, new Dictionary<string, int>(), [], Host: null);
        Assert.Contains("host: DID NOT ANSWER", hung.Describe(), StringComparison.Ordinal);
        Assert.True(hung.HasMessagesOlderThan(TimeSpan.FromHours(1)));
    }

    private sealed class CountingEffects : IRegionEffects
    {
        public int Delivered { get; private set; }

        public void DeliverLocal(int shard, long epoch, in RoutedMessage message) => Delivered++;

        public void Forward(string node, int shard, in RoutedMessage message)
        {
        }

        public void RequestHome(int shard)
        {
        }

        public void StopEntities(int shard)
        {
        }

        public void SendBarrier(string owner, int shard, long epoch)
        {
        }

        public void Released(int shard, long epoch)
        {
        }

        public void Handover(string newOwner, int shard, long epoch, IReadOnlyList<RoutedMessage> messages)
        {
        }

        public void Refused(int shard, in RoutedMessage message)
        {
        }
    }
}
