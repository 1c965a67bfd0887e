using System.Collections.Concurrent;
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

/// <summary>
/// The entity host under the population pattern of <c>bench cluster</c>: a flood of first-time entities, far more than
/// the recovery burst and than the resident cap, all arriving before any has recovered. Every message must be
/// answered exactly once, every entity started exactly once, and the starts must follow the throttle's rate (virtual
/// time: the test advances the clock and waits only on replies).
/// </summary>
public sealed class EntityHostFloodTests
{
    private const int Entities = 1000;
    private const int Shards = 4;
    private const double Rate = 200;
    private const int Burst = 20;

    [Fact]
    public async Task A_flood_of_first_time_entities_above_the_cap_is_started_at_the_bounded_rate_and_every_message_answered_once()
    {
        var time = new VirtualTimeProvider();
        await using var system = ActorSystem.Create("flood", timeProvider: time);
        var journal = new InMemoryJournal();
        var runtime = new PersistenceRuntime(journal, new InMemorySnapshotStore(), CounterEntity.Events(), PersistenceSettings.Default);
        var starts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var settings = new EntityHostSettings
        {
            IdleTimeout = TimeSpan.Zero,
            MaxResidentEntities = 100, // a tenth of the flood: the LRU cap evicts while most still wait for the throttle
            RecoveryEntitiesPerSecond = Rate,
            RecoveryBurst = Burst,
            Journal = null, // the fences are raised below, before the flood, so the first starts do not wait on a fence task
        };
        var host = system.ActorOf(Props.Create(() => new EntityHostActor(ShardingTestCluster.TypeName, "n1", start =>
        {
            starts.AddOrUpdate(start.EntityId, 1, (_, n) => n + 1);
            return Props.Create(() => new CounterEntity(start, "n1", runtime));
        }, settings, NullLogger.Instance)), "entities");
        var acks = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var duplicates = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var collector = system.ActorOf(Props.Create(() => new Collector(ack =>
        {
            if (!acks.TryAdd(ack.EntityId, ack.Seq))
            {
                Interlocked.Increment(ref duplicates);
            }
            else if (acks.Count == Entities)
            {
                all.TrySetResult();
            }
        })), "collector");

        for (var shard = 0; shard < Shards; shard++)
        {
            await journal.FenceAsync(ShardingPaths.FenceKey(ShardingTestCluster.TypeName, shard), 1);
            host.Tell(new PrepareShard(shard, 1), null);
        }

        for (var i = 0; i < Entities; i++)
        {
            host.Tell(new Deliver(i % Shards, 1, "e" + i, new Add("flood", i)), collector);
        }

        // Before the clock moves only the burst has started: the others wait for tokens with their messages.
        await CountsAsync(host);
        Assert.Equal(Burst, starts.Count);

        // Follow the throttle one step at a time; each step is processed (a round trip) before the next.
        var elapsed = TimeSpan.Zero;
        var step = TimeSpan.FromMilliseconds(50);
        while (starts.Count < Entities)
        {
            Assert.True(elapsed < TimeSpan.FromSeconds(30), $"only {starts.Count} of {Entities} entities started after {elapsed} of virtual time");
            time.Advance(step);
            elapsed += step;
            var before = starts.Count;
            await CountsAsync(host);
            Assert.InRange(starts.Count - before, 0, (int)Math.Ceiling(Rate * step.TotalSeconds) + 1);
        }

        // 980 entities after the burst at 200/s: 4.9 s of virtual time (to the next 50 ms step).
        Assert.InRange(elapsed.TotalSeconds, 4.85, 4.95);
        await all.Task.WaitAsync(TestTimeouts.Guard);
        Assert.Equal(0, Volatile.Read(ref duplicates));
        for (var i = 0; i < Entities; i++)
        {
            Assert.Equal(i, acks["e" + i]);
            Assert.Equal(1, starts["e" + i]); // started once: an eviction never dropped nor restarted an entity that had work
            Assert.Equal(1, await journal.ReadHighestSequenceNrAsync("counter/e" + i)); // and its event is durable, once
        }
    }

    private static Task<Counts> CountsAsync(IActorRef host) =>
        host.Ask<Counts>(GetCounts.Instance, TimeSpan.FromHours(1)).WaitAsync(TestTimeouts.Guard);

    private sealed class Collector(Action<Ack> onAck) : ActorBase
    {
        protected override bool Receive(object message)
        {
            if (message is Ack ack)
            {
                onAck(ack);
                return true;
            }

            return false;
        }
    }
}
