using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Tests.MultiProcess;
using ActorRec.Cluster.Tests.Support;
using ActorRec.Persistence.Journal;

namespace ActorRec.Cluster.Tests.Sharding.Runtime;

/// <summary>
/// The sharding runtime end to end, in process on loopback (see <see cref="ShardingTestCluster"/>): routing from any
/// node with replies across nodes, rebalance on a join and drain under a stream of messages (nothing lost, per-sender
/// order kept), re-homing of a down node's shards at the next epoch with the old owner's writes fenced by the journal,
/// operator move/locate/map, and the bounded buffer.
/// </summary>
public sealed class ClusterShardingTests : IAsyncLifetime
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private ShardingTestCluster _cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Entities_spread_over_three_nodes_and_tells_and_asks_reach_the_owner_from_any_node()
    {
        var nodes = await StartAsync("a", "b", "c");
        var ids = Enumerable.Range(0, 30).Select(i => "e" + i).ToList();

        // Asks from every node reach the same owner, and the reply crosses back.
        var owners = new Dictionary<string, string>();
        foreach (var id in ids)
        {
            foreach (var (node, k) in nodes.Select((n, k) => (n, k)))
            {
                var ack = Assert.IsType<Ack>(await node.Region.Ask(id, new Add(node.Name, 1), AskTimeout));
                Assert.Equal(id, ack.EntityId);
                if (owners.TryGetValue(id, out var owner))
                {
                    Assert.Equal(owner, ack.Node);
                }

                owners[id] = ack.Node;
            }
        }

        Assert.Equal(["a", "b", "c"], owners.Values.Distinct().Order());

        // Tells from every node arrive too, after the asks, in order.
        foreach (var id in ids)
        {
            foreach (var node in nodes)
            {
                node.Region.Tell(id, new Add(node.Name, 2));
            }
        }

        var logs = await _cluster.WaitLogsAsync(nodes[1], ids, 6);
        ShardingTestCluster.AssertCompleteAndOrdered(logs, ["a", "b", "c"], 2);

        // The map (from any node) agrees with where the entities answered, with their counts.
        var map = await nodes[2].Sharding.GetShardMapAsync(ShardingTestCluster.TypeName);
        Assert.Equal(ShardingTestCluster.TypeName, map.TypeName);
        Assert.Equal(16, map.Shards.Count);
        foreach (var id in ids)
        {
            var entry = map.Shards[nodes[0].Region.ShardOf(id)];
            Assert.Equal(owners[id], entry.Node);
            Assert.Equal("allocated", entry.Status);
            Assert.Equal(1, entry.Epoch);
            var location = await nodes[0].Sharding.LocateAsync(ShardingTestCluster.TypeName, id);
            Assert.Equal(new ShardLocation(ShardingTestCluster.TypeName, id, entry.Shard, owners[id], 1), location);
        }

        Assert.Equal(ids.Count, map.Shards.Sum(s => s.Entities));
        Assert.All(map.Shards.Where(s => s.Node is null), s => Assert.Equal("unallocated", s.Status));
        Assert.Contains(_cluster.Log.Entries, e => e.EventId == 1600); // allocation log lines
    }

    [Fact]
    public async Task A_fourth_node_gets_shards_by_rebalance_and_no_message_is_lost_or_reordered()
    {
        var nodes = await StartAsync("a", "b", "c");
        var ids = Enumerable.Range(0, 40).Select(i => "u" + i).ToList();
        await WarmUpAsync(nodes[0], ids);
        var seq = 0;
        SendRound(nodes, ids, ++seq);
        SendRound(nodes, ids, ++seq);

        var d = await _cluster.StartNodeAsync("d");
        await _cluster.WaitUpAsync(4);
        await _cluster.WaitCoordinatorAsync(4);
        var moves = await nodes[0].Sharding.RebalanceAsync(ShardingTestCluster.TypeName);
        Assert.NotEmpty(moves);
        Assert.All(moves, m => Assert.Equal("d", m.To));

        // Keep streaming while the handoffs run, from every node including the new one.
        var all = nodes.Append(d).ToList();
        for (var i = 0; i < 5; i++)
        {
            SendRound(all, ids, ++seq);
        }

        var map = await _cluster.WaitMapAsync(d, m => m.Shards.Count(s => s.Node == "d") >= 3, "d owns shards after the rebalance");
        Assert.All(moves, m => Assert.Equal(2, map.Shards[m.Shard].Epoch));
        SendRound(all, ids, ++seq);

        var logs = await _cluster.WaitLogsAsync(d, ids, 1 + (3 * 2) + (4 * 6));
        ShardingTestCluster.AssertCompleteAndOrdered(logs, ["a", "b", "c"], seq);
        ShardingTestCluster.AssertCompleteAndOrdered(logs, ["d"], seq, first: 3);
        Assert.Contains(_cluster.Log.Entries, e => e.EventId == 1601); // handoff begun
        Assert.Contains(_cluster.Log.Entries, e => e.EventId == 1602); // handoff complete
        Assert.Contains(_cluster.Log.Entries, e => e.EventId == 1613); // fence raised by the new owner
    }

    [Fact]
    public async Task Drain_moves_every_shard_off_a_node_and_the_stream_loses_nothing()
    {
        var nodes = await StartAsync("a", "b", "c");
        var ids = Enumerable.Range(0, 40).Select(i => "v" + i).ToList();
        await WarmUpAsync(nodes[0], ids);
        var seq = 0;
        SendRound(nodes, ids, ++seq);
        var before = await nodes[0].Sharding.GetShardMapAsync(ShardingTestCluster.TypeName);
        Assert.Contains(before.Shards, s => s.Node == "c");

        var drain = nodes[0].Sharding.DrainAsync("c");
        for (var i = 0; i < 5; i++)
        {
            SendRound(nodes, ids, ++seq);
        }

        await drain.WaitAsync(TestTimeouts.Guard);
        var after = await _cluster.WaitMapAsync(nodes[0], m => true, "the drain settled");
        Assert.DoesNotContain(after.Shards, s => s.Node == "c");
        foreach (var moved in before.Shards.Where(s => s.Node == "c"))
        {
            Assert.Equal(moved.Epoch + 1, after.Shards[moved.Shard].Epoch);
        }

        SendRound(nodes, ids, ++seq);
        var logs = await _cluster.WaitLogsAsync(nodes[1], ids, 1 + (3 * seq));
        ShardingTestCluster.AssertCompleteAndOrdered(logs, ["a", "b", "c"], seq);
        Assert.All(logs.Values, l => Assert.NotEqual("c", l.Node));

        // The rebalance does not give the drained node shards back while it is draining.
        Assert.DoesNotContain(await nodes[0].Sharding.RebalanceAsync(ShardingTestCluster.TypeName), m => m.To == "c");
    }

    [Fact]
    public async Task A_down_nodes_shards_are_rehomed_at_the_next_epoch_and_its_stale_entity_cannot_write()
    {
        var nodes = await StartAsync("a", "b", "c");
        var ids = Enumerable.Range(0, 30).Select(i => "w" + i).ToList();
        await WarmUpAsync(nodes[0], ids);
        var victim = await FirstOwnedByAsync(nodes[0], ids, "c");
        var shard = nodes[0].Region.ShardOf(victim);
        var before = await nodes[0].Sharding.LocateAsync(ShardingTestCluster.TypeName, victim);
        Assert.Equal("c", before.Node);
        var c = _cluster["c"];

        await _cluster.PartitionAndDownAsync(c);

        // The survivors re-home c's shards at the next epoch; the new owner raises the journal fence before serving.
        var fenceKey = "shard/" + ShardingTestCluster.TypeName + "/" + shard;
        await Poll.UntilAsync(async () => await _cluster.Journal.ReadFenceEpochAsync(fenceKey) == before.Epoch + 1, TestTimeouts.Guard, "the new owner fenced the shard");
        var after = await nodes[0].Sharding.LocateAsync(ShardingTestCluster.TypeName, victim);
        Assert.NotEqual("c", after.Node);
        Assert.Equal(before.Epoch + 1, after.Epoch);
        Assert.Contains(_cluster.Log.Entries, e => e.EventId == 1603); // re-homed

        // c does not know it is down: its entity still runs at the old epoch, and its write is rejected by the journal.
        var stale = await Assert.ThrowsAsync<JournalFencedException>(() => c.Region.Ask(victim, new Add("stale", 1), AskTimeout));
        Assert.Equal(before.Epoch, stale.WriterEpoch);
        Assert.Equal(before.Epoch + 1, stale.CurrentEpoch);

        // The entity answers from its new owner with everything acknowledged before, and without the stale write. b may
        // still route to c until its region has taken in c's removal; it then refuses at once with the retryable
        // ShardUnavailableException (nothing was delivered), and a client retries, as here.
        object? reply = null;
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    reply = await nodes[1].Region.Ask(victim, new Add("a", 2), AskTimeout);
                    return true;
                }
                catch (ShardUnavailableException)
                {
                    return false;
                }
            },
            TestTimeouts.Guard,
            "b routes to the new owner");
        var ack = Assert.IsType<Ack>(reply);
        Assert.Equal(after.Node, ack.Node);
        Assert.Equal(after.Epoch, ack.Epoch);
        var log = Assert.IsType<EntityLog>(await nodes[0].Region.Ask(victim, GetLog.Instance, AskTimeout));
        Assert.Equal(["warm:1", "a:2"], log.Entries);
        var map = await nodes[0].Sharding.GetShardMapAsync(ShardingTestCluster.TypeName);
        Assert.DoesNotContain(map.Shards, s => s.Node == "c");
    }

    [Fact]
    public async Task A_graceful_leave_of_the_coordinators_node_hands_its_shards_off_and_the_stream_loses_nothing()
    {
        var nodes = await StartAsync("a", "b", "c");
        var leaving = nodes.Single(n => n.Sharding.IsCoordinator);
        var staying = nodes.Where(n => n != leaving).ToList();
        var ids = Enumerable.Range(0, 30).Select(i => "g" + i).ToList();
        await WarmUpAsync(staying[0], ids);
        Assert.Contains((await staying[0].Sharding.GetShardMapAsync(ShardingTestCluster.TypeName)).Shards, s => s.Node == leaving.Name);
        var seq = 0;
        SendRound(staying, ids, ++seq);

        var leave = leaving.Host.LeaveAsync();
        for (var i = 0; i < 5; i++)
        {
            SendRound(staying, ids, ++seq);
        }

        await leave.WaitAsync(TestTimeouts.Guard);
        Assert.Equal(ActorRec.Cluster.Hosting.ClusterExitKind.Left, (await leaving.Host.Exited.WaitAsync(TestTimeouts.Guard)).Kind);
        await Poll.UntilAsync(() => Task.FromResult(staying.Any(n => n.Sharding.IsCoordinator)), TestTimeouts.Guard, "the coordinator moved");
        SendRound(staying, ids, ++seq);

        var map = await _cluster.WaitMapAsync(staying[1], m => true, "no handoff in progress");
        Assert.DoesNotContain(map.Shards, s => s.Node == leaving.Name);
        var logs = await _cluster.WaitLogsAsync(staying[0], ids, 1 + (2 * seq));
        ShardingTestCluster.AssertCompleteAndOrdered(logs, [.. staying.Select(n => n.Name)], seq);
    }

    [Fact]
    public async Task The_cap_on_resident_entities_passivates_the_least_recently_used_and_they_recover_on_the_next_message()
    {
        await _cluster.DisposeAsync();
        _cluster = new ShardingTestCluster(hostSettings: new EntityHostSettings { IdleTimeout = TimeSpan.Zero, MaxResidentEntities = 2 });
        var nodes = await StartAsync("a");
        var ids = Enumerable.Range(0, 6).Select(i => "r" + i).ToList();
        await WarmUpAsync(nodes[0], ids);

        var map = await _cluster.WaitMapAsync(nodes[0], m => m.Shards.Sum(s => s.Entities) <= 2, "at most two entities resident");
        Assert.True(map.Shards.Sum(s => s.Entities) >= 1);
        foreach (var id in ids)
        {
            var log = Assert.IsType<EntityLog>(await nodes[0].Region.Ask(id, GetLog.Instance, AskTimeout));
            Assert.Equal(["warm:1"], log.Entries); // recovered from the journal after passivation
        }
    }

    [Fact]
    public async Task A_killed_node_is_declared_down_by_failure_detection_and_its_shards_serve_again_elsewhere()
    {
        var nodes = await StartAsync("a", "b", "c");
        var ids = Enumerable.Range(0, 30).Select(i => "k" + i).ToList();
        await WarmUpAsync(nodes[0], ids);
        var victim = await FirstOwnedByAsync(nodes[0], ids, "c");
        var before = await nodes[0].Sharding.LocateAsync(ShardingTestCluster.TypeName, victim);

        // No table write here: the survivors' failure detectors and membership rules declare c down.
        await _cluster["c"].DisposeAsync();
        await Poll.UntilAsync(async () => (await nodes[0].Sharding.LocateAsync(ShardingTestCluster.TypeName, victim)).Epoch == before.Epoch + 1,
            TimeSpan.FromSeconds(60), "c's shards re-homed after it was declared down");
        foreach (var id in ids)
        {
            var ack = Assert.IsType<Ack>(await nodes[1].Region.Ask(id, new Add("b", 1), AskTimeout));
            Assert.NotEqual("c", ack.Node);
        }

        var logs = await _cluster.WaitLogsAsync(nodes[0], ids, 2);
        ShardingTestCluster.AssertCompleteAndOrdered(logs, ["warm", "b"], 1);
    }

    [Fact]
    public async Task A_node_restarted_under_its_name_gets_no_shard_at_its_old_epoch()
    {
        var nodes = await StartAsync("a", "b", "c");
        var ids = Enumerable.Range(0, 30).Select(i => "n" + i).ToList();
        await WarmUpAsync(nodes[0], ids);
        var victim = await FirstOwnedByAsync(nodes[0], ids, "c");
        var before = await nodes[0].Sharding.LocateAsync(ShardingTestCluster.TypeName, victim);

        await _cluster["c"].DisposeAsync();
        var again = await _cluster.StartNodeAsync("c");
        await Poll.UntilAsync(async () => (await nodes[0].Sharding.LocateAsync(ShardingTestCluster.TypeName, victim)).Epoch > before.Epoch,
            TestTimeouts.Guard, "the old incarnation's shards moved on to a new epoch");
        var ack = Assert.IsType<Ack>(await again.Region.Ask(victim, new Add("b", 1), AskTimeout));
        Assert.True(ack.Epoch > before.Epoch);
        var log = Assert.IsType<EntityLog>(await nodes[1].Region.Ask(victim, GetLog.Instance, AskTimeout));
        Assert.Equal(["warm:1", "b:1"], log.Entries);
    }

    [Fact]
    public async Task Operator_moves_a_shard_and_locate_and_map_follow_it()
    {
        var nodes = await StartAsync("a", "b");
        var id = "m1";
        var first = Assert.IsType<Ack>(await nodes[0].Region.Ask(id, new Add("a", 1), AskTimeout));
        var location = await nodes[1].Sharding.LocateAsync(ShardingTestCluster.TypeName, id);
        Assert.Equal(first.Node, location.Node);
        var target = location.Node == "a" ? "b" : "a";

        var move = await nodes[1].Sharding.MoveAsync(ShardingTestCluster.TypeName, location.Shard, target);
        Assert.Equal(new ShardMove(ShardingTestCluster.TypeName, location.Shard, location.Node!, target), move);
        await _cluster.WaitMapAsync(nodes[0], m => m.Shards[location.Shard].Node == target, "the shard moved");

        var moved = await nodes[0].Sharding.LocateAsync(ShardingTestCluster.TypeName, id);
        Assert.Equal(new ShardLocation(ShardingTestCluster.TypeName, id, location.Shard, target, location.Epoch + 1), moved);
        var ack = Assert.IsType<Ack>(await nodes[0].Region.Ask(id, new Add("a", 2), AskTimeout));
        Assert.Equal(target, ack.Node);
        var log = Assert.IsType<EntityLog>(await nodes[1].Region.Ask(id, GetLog.Instance, AskTimeout));
        Assert.Equal(["a:1", "a:2"], log.Entries);

        // Bad operator input names what is wrong.
        var sharding = nodes[0].Sharding;
        Assert.Contains("'nope'", (await Assert.ThrowsAsync<ArgumentException>(() => sharding.GetShardMapAsync("nope"))).Message);
        Assert.Contains("99", (await Assert.ThrowsAnyAsync<ArgumentException>(() => sharding.MoveAsync(ShardingTestCluster.TypeName, 99, "a"))).Message);
        Assert.Contains("'zz'", (await Assert.ThrowsAsync<ArgumentException>(() => sharding.MoveAsync(ShardingTestCluster.TypeName, 0, "zz"))).Message);
        Assert.Contains("'zz'", (await Assert.ThrowsAsync<ArgumentException>(() => sharding.DrainAsync("zz"))).Message);
        Assert.Contains("already lives", (await Assert.ThrowsAsync<ArgumentException>(() => sharding.MoveAsync(ShardingTestCluster.TypeName, location.Shard, target))).Message);
        Assert.Throws<ArgumentException>(() => sharding.Region("nope"));
    }

    [Fact]
    public async Task A_full_shard_buffer_refuses_the_newest_message_with_ShardUnavailableException()
    {
        // No node may run the coordinator: every shard stays without a home and its messages wait in the buffer.
        await _cluster.DisposeAsync();
        _cluster = new ShardingTestCluster(ShardingSettings.Create(numberOfShards: 4, handoffBufferSize: 2));
        var node = await _cluster.StartNodeAsync("a", canCoordinate: false);
        await _cluster.WaitUpAsync(1);

        var waiting = new[]
        {
            node.Region.Ask("x", new Add("a", 1), TimeSpan.FromSeconds(30)),
            node.Region.Ask("x", new Add("a", 2), TimeSpan.FromSeconds(30)),
        };
        var refused = await Assert.ThrowsAsync<ShardUnavailableException>(() => node.Region.Ask("x", new Add("a", 3), AskTimeout));
        Assert.Contains("buffer", refused.Message);
        Assert.All(waiting, t => Assert.False(t.IsCompleted));
        await _cluster.Log.WaitForAsync(1609);
    }

    [Fact]
    public async Task A_message_type_without_a_serializer_is_refused_at_the_sender()
    {
        var nodes = await StartAsync("a");
        Assert.Throws<ActorRec.Cluster.Remote.UnregisteredMessageTypeException>(() => nodes[0].Region.Tell("e1", new object()));
        Assert.Throws<ArgumentException>(() => nodes[0].Region.Tell("", new Add("a", 1)));
    }

    private async Task<List<ShardNode>> StartAsync(params string[] names)
    {
        var nodes = new List<ShardNode>();
        foreach (var name in names)
        {
            nodes.Add(await _cluster.StartNodeAsync(name));
        }

        await _cluster.WaitUpAsync(names.Length);
        await _cluster.WaitCoordinatorAsync(names.Length);
        return nodes;
    }

    /// <summary>Allocates every entity's shard and starts the entity (one ask each), so streams start from a settled map.</summary>
    private static async Task WarmUpAsync(ShardNode from, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            Assert.IsType<Ack>(await from.Region.Ask(id, new Add("warm", 1), AskTimeout));
        }
    }

    private static void SendRound(IEnumerable<ShardNode> nodes, IEnumerable<string> ids, int seq)
    {
        foreach (var node in nodes)
        {
            foreach (var id in ids)
            {
                node.Region.Tell(id, new Add(node.Name, seq));
            }
        }
    }

    private static async Task<string> FirstOwnedByAsync(ShardNode from, IEnumerable<string> ids, string node)
    {
        foreach (var id in ids)
        {
            if ((await from.Sharding.LocateAsync(ShardingTestCluster.TypeName, id)).Node == node)
            {
                return id;
            }
        }

        throw new InvalidOperationException($"No entity lives on {node}.");
    }
}
