using ActorRec.Cluster.Sharding;

namespace ActorRec.Cluster.Tests.Sharding;

/// <summary>The region handoff protocol end to end over a fake transport (see <see cref="HandoffSimulation"/>).</summary>
public sealed class HandoffProtocolTests
{
    private static readonly string[] Nodes = ["a", "b", "c"];

    /// <summary>
    /// Over many random interleavings of sends, forwards, barriers, stops, releases and homes, with shards moving
    /// all the time: every message is delivered exactly once, in the order its sender sent it to that entity, and
    /// only by the owner of the shard's current epoch.
    /// </summary>
    [Fact]
    public async Task Messages_survive_moving_shards_exactly_once_and_in_order_on_every_interleaving()
    {
        for (var seed = 1; seed <= 40; seed++)
        {
            var sim = new HandoffSimulation(seed, Nodes, ShardingSettings.Create(numberOfShards: 6, maxSimultaneousMoves: 6));
            await sim.Coord.StartAsync(1);
            var seqBySender = Nodes.ToDictionary(n => n, _ => 0);
            var sent = new List<(string Entity, TestMessage Message)>();
            var moves = 0;
            for (var step = 0; step < 3000; step++)
            {
                var dice = sim.Next(100);
                if (dice < 30 && sent.Count < 600)
                {
                    var sender = Nodes[sim.Next(Nodes.Length)];
                    var message = new TestMessage(sender, ++seqBySender[sender]);
                    var entity = "user-" + sim.Next(12);
                    sent.Add((entity, message));
                    sim.Routers[sender].Route(new RoutedMessage(entity, message, null));
                }
                else if (dice < 33 && moves < 25)
                {
                    moves += await sim.MoveRandomShardAsync() ? 1 : 0;
                }
                else
                {
                    await sim.StepAsync();
                }
            }

            await sim.DrainAsync();
            Assert.Empty(sim.Violations);
            Assert.Empty(sim.RefusedMessages);
            Assert.Equal(sent.Count, sim.Deliveries.Count);
            Assert.Equal(
                sent.Select(s => $"{s.Entity}/{s.Message}").Order(StringComparer.Ordinal).ToArray(),
                sim.Deliveries.Select(d => $"{d.EntityId}/{d.Message}").Order(StringComparer.Ordinal).ToArray());
            foreach (var perSender in sim.Deliveries.GroupBy(d => (d.EntityId, d.Message.Sender)))
            {
                var seqs = perSender.Select(d => d.Message.Seq).ToArray();
                Assert.True(seqs.SequenceEqual(seqs.Order()), $"seed {seed}: {perSender.Key} delivered out of order: {string.Join(",", seqs)}");
            }

            Assert.True(moves > 0 && sim.Log.Entries.Count(e => e.EventId == 1602) == moves, $"seed {seed}: {moves} moves begun, not all completed");
            Assert.All(sim.Coord.Shards.Values, r => Assert.Equal(ShardStatus.Allocated, r.Status));
        }
    }

    [Fact]
    public async Task The_new_owner_delivers_the_old_owner_s_buffer_first()
    {
        var sim = new HandoffSimulation(7, Nodes, ShardingSettings.Create(numberOfShards: 1));
        await sim.Coord.StartAsync(1);
        sim.Routers["a"].Route(new RoutedMessage("u", new TestMessage("a", 1), null));
        await sim.DrainAsync();
        var owner = sim.Coord.Shards[0].Owner;
        var target = Nodes.First(n => n != owner);
        var third = Nodes.First(n => n != owner && n != target);

        await sim.Coord.MoveAsync(0, target, Nodes);
        // Only the owner hears of the handoff for now: it stops and buffers what arrives meanwhile.
        sim.Routers[owner].OnBeginHandoff(0, owner, 1, Nodes);
        Assert.Equal(ShardPhase.Stopping, sim.Routers[owner].PhaseOf(0));
        sim.Routers[owner].Route(new RoutedMessage("u", new TestMessage(owner, 1), null));
        Assert.Equal(1, sim.Routers[owner].BufferedFor(0));
        foreach (var other in new[] { target, third })
        {
            sim.Routers[other].OnBeginHandoff(0, owner, 1, Nodes);
            sim.Routers[other].Route(new RoutedMessage("u", new TestMessage(other, 1), null));
            Assert.Equal(ShardPhase.Resolving, sim.Routers[other].PhaseOf(0));
        }

        await sim.DrainAsync();
        Assert.Empty(sim.Violations);
        var atNewOwner = sim.Deliveries.Where(d => d.Epoch == 2).ToList();
        Assert.All(atNewOwner, d => Assert.Equal(target, d.Node));
        Assert.Equal(owner, atNewOwner[0].Message.Sender); // the handover comes first
        Assert.Equal(3, atNewOwner.Count);
        Assert.Equal(ShardPhase.Local, sim.Routers[target].PhaseOf(0));
        Assert.Equal(ShardPhase.Remote, sim.Routers[owner].PhaseOf(0));
    }

    [Fact]
    public async Task A_full_shard_buffer_refuses_the_newest_message_and_keeps_the_order_of_the_rest()
    {
        var sim = new HandoffSimulation(3, Nodes, ShardingSettings.Create(numberOfShards: 1), bufferSize: 3);
        await sim.Coord.StartAsync(1);
        for (var i = 1; i <= 5; i++)
        {
            sim.Routers["a"].Route(new RoutedMessage("u", new TestMessage("a", i), null)); // all wait for the home
        }

        Assert.Equal(2, sim.RefusedMessages.Count);
        Assert.Equal([4, 5], sim.RefusedMessages.Select(m => ((TestMessage)m.Message).Seq));
        Assert.Equal(2, sim.Routers["a"].Refused);
        Assert.Equal(2, sim.Log.Entries.Count(e => e.EventId == 1609));
        await sim.DrainAsync();
        Assert.Equal([1, 2, 3], sim.Deliveries.Select(d => d.Message.Seq));
    }

    [Fact]
    public async Task A_lost_home_answer_is_asked_again_on_retry()
    {
        var sim = new HandoffSimulation(13, Nodes, ShardingSettings.Create(numberOfShards: 1));
        await sim.Coord.StartAsync(1);
        var a = sim.Routers["a"];
        a.Route(new RoutedMessage("u", new TestMessage("a", 1), null));
        Assert.Equal(1, a.RetryResolving()); // one shard waiting: asked again
        await sim.DrainAsync();                  // both answers arrive; the second changes nothing
        Assert.Equal(0, a.RetryResolving());
        Assert.Equal([1], sim.Deliveries.Select(d => d.Message.Seq));
    }

    [Fact]
    public async Task A_stale_home_is_ignored_and_logged()
    {
        var sim = new HandoffSimulation(5, Nodes, ShardingSettings.Create(numberOfShards: 1));
        var router = sim.Routers["a"];
        router.OnHome(new ShardHome(0, "b", 3));
        router.OnHome(new ShardHome(0, "a", 2));
        Assert.Equal((ShardPhase.Remote, 3L), (router.PhaseOf(0), router.EpochOf(0)));
        Assert.Contains(sim.Log.Entries, e => e.EventId == 1610);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task The_old_owner_waits_for_every_barrier_unless_a_region_goes_down_or_time_runs_out()
    {
        var sim = new HandoffSimulation(9, Nodes, ShardingSettings.Create(numberOfShards: 2));
        var released = new List<string>();
        var a = sim.Routers["a"];
        a.OnHome(new ShardHome(0, "a", 1));
        a.OnHome(new ShardHome(1, "a", 1));

        a.OnBeginHandoff(0, "a", 1, Nodes);
        a.OnEntitiesStopped(0);
        a.OnBarrier(0, 1, "b");
        Assert.Equal(ShardPhase.Stopping, a.PhaseOf(0)); // c's barrier missing
        a.OnRegionDown("c");
        Assert.Equal(ShardPhase.Resolving, a.PhaseOf(0));

        a.OnBarrier(1, 1, "b"); // a barrier may arrive before the owner hears of the handoff
        a.OnBeginHandoff(1, "a", 1, Nodes);
        Assert.Equal(ShardPhase.Stopping, a.PhaseOf(1));
        a.OnHandoffTimeout(1, entitiesStillRunning: 2);
        Assert.Equal(ShardPhase.Resolving, a.PhaseOf(1));
        Assert.Contains(sim.Log.Entries, e => e.EventId == 1611 && e.Message.Contains("2 entities", StringComparison.Ordinal));
        Assert.Equal(2, sim.Log.Entries.Count(e => e.EventId == 1608));
        await Task.CompletedTask;
    }

    [Fact]
    public void A_new_owner_whose_old_owner_died_before_the_handover_serves_without_it()
    {
        var sim = new HandoffSimulation(11, Nodes, ShardingSettings.Create(numberOfShards: 1));
        var b = sim.Routers["b"];
        b.OnHome(new ShardHome(0, "b", 2, HandoverFrom: "a"));
        b.Route(new RoutedMessage("u", new TestMessage("b", 1), null));
        Assert.Equal(ShardPhase.AwaitingHandover, b.PhaseOf(0));
        Assert.Equal(1, b.BufferedFor(0));
        b.OnRegionDown("a");
        Assert.Equal(ShardPhase.Local, b.PhaseOf(0));
        Assert.Equal(0, b.BufferedFor(0));
    }
}
