using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Storage;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.Sharding;

public sealed class ShardCoordinatorTests
{
    private static readonly ShardingSettings Settings = ShardingSettings.Create(numberOfShards: 12, maxSimultaneousMoves: 3);
    private readonly InMemoryShardAllocationStore _store = new();
    private readonly ListLogger _log = new();

    private async Task<ShardCoordinator> StartAsync(long token = 1, IShardAllocationStore? store = null)
    {
        var coordinator = new ShardCoordinator("user", store ?? _store, Settings, _log);
        Assert.Equal(ShardWriteOutcome.Applied, await coordinator.StartAsync(token));
        return coordinator;
    }

    private static async Task AllocateAllAsync(ShardCoordinator c, string[] nodes)
    {
        for (var s = 0; s < Settings.NumberOfShards; s++)
        {
            Assert.Equal(ShardWriteOutcome.Applied, (await c.LocateAsync(s, nodes)).Outcome);
        }
    }

    [Fact]
    public async Task Allocation_spreads_shards_evenly_persists_them_and_logs_each()
    {
        var c = await StartAsync();
        await AllocateAllAsync(c, ["a", "b", "c"]);
        Assert.Equal([4, 4, 4], new[] { "a", "b", "c" }.Select(c.OwnedBy));
        Assert.All(c.Shards.Values, r => Assert.Equal(1, r.Epoch));
        Assert.Equal(12, _log.Entries.Count(e => e.EventId == 1600));

        // Located again: the same home, nothing written.
        var again = await c.LocateAsync(5, ["a", "b", "c"]);
        Assert.Equal(c.Shards[5], Assert.Single(again.Changed));
        Assert.Equal(12, _log.Entries.Count(e => e.EventId == 1600));

        var restarted = await StartAsync(token: 2);
        Assert.Equal(c.Shards.Values, restarted.Shards.Values);
    }

    [Fact]
    public async Task Handoff_begins_completes_with_the_next_epoch_and_refuses_bad_moves()
    {
        var c = await StartAsync();
        await AllocateAllAsync(c, ["a", "b"]);
        var shard = c.Shards.Values.First(r => r.Owner == "a").Shard;

        var begun = await c.MoveAsync(shard, "b", ["a", "b"]);
        Assert.Equal(ShardStatus.HandingOff, Assert.Single(begun.Changed).Status);
        Assert.Equal(("a", "b", 1L), (c.Shards[shard].Owner, c.Shards[shard].HandoffTo, c.Shards[shard].Epoch));
        await Assert.ThrowsAsync<ArgumentException>(() => c.MoveAsync(shard, "b", ["a", "b"]));
        await Assert.ThrowsAsync<ArgumentException>(() => c.MoveAsync(shard, "z", ["a", "b"]));

        // A release carrying another epoch is stale: nothing changes.
        Assert.Empty((await c.CompleteHandoffAsync(shard, 7, ["a", "b"])).Changed);
        var done = await c.CompleteHandoffAsync(shard, 1, ["a", "b"]);
        Assert.Equal(new ShardRecord(shard, "b", 2, ShardStatus.Allocated, null, 3), Assert.Single(done.Changed));
        Assert.Equal(new ShardRecord(shard, "b", 2, ShardStatus.Allocated, null, 3), (await _store.ReadAsync("user")).Shards.Single(r => r.Shard == shard));
        Assert.Contains(_log.Entries, e => e.EventId == 1601 && e.Message.Contains("a -> b", StringComparison.Ordinal));
        Assert.Contains(_log.Entries, e => e.EventId == 1602);
    }

    [Fact]
    public async Task Completing_a_handoff_whose_target_left_picks_another_up_node()
    {
        var c = await StartAsync();
        await AllocateAllAsync(c, ["a", "b", "c"]);
        var shard = c.Shards.Values.First(r => r.Owner == "a").Shard;
        await c.MoveAsync(shard, "b", ["a", "b", "c"]);
        var done = await c.CompleteHandoffAsync(shard, 1, ["a", "c"]);
        // Least loaded up node: a (3 left after the release) over c (4); the next epoch fences the earlier ownership.
        Assert.Equal(("a", 2L), (Assert.Single(done.Changed).Owner, done.Changed[0].Epoch));
    }

    [Fact]
    public async Task A_down_node_s_shards_are_re_homed_at_once_with_new_epochs_in_one_write()
    {
        var c = await StartAsync();
        await AllocateAllAsync(c, ["a", "b", "c"]);
        var moving = c.Shards.Values.First(r => r.Owner == "c").Shard;
        await c.MoveAsync(moving, "a", ["a", "b", "c"]); // c was handing this one to a

        var result = await c.NodeDownAsync("c", ["a", "b"]);
        Assert.Equal(4, result.Changed.Count);
        Assert.Equal(0, c.OwnedBy("c"));
        Assert.Equal(6, c.OwnedBy("a"));
        Assert.Equal(6, c.OwnedBy("b"));
        Assert.All(result.Changed, r => Assert.Equal((2L, ShardStatus.Allocated), (r.Epoch, r.Status)));
        Assert.Equal("a", c.Shards[moving].Owner); // its handoff target was up: it goes there
        Assert.Equal(4, _log.Entries.Count(e => e.EventId == 1603));
    }

    [Fact]
    public async Task A_new_node_gets_shards_by_rebalancing_within_the_cap()
    {
        var c = await StartAsync();
        await AllocateAllAsync(c, ["a", "b"]);
        string[] up = ["a", "b", "c"];
        var first = await c.RebalanceAsync(up);
        Assert.Equal(3, first.Changed.Count); // cap 3
        Assert.All(first.Changed, r => Assert.Equal("c", r.HandoffTo));
        Assert.Empty((await c.RebalanceAsync(up)).Changed); // cap reached while they move

        foreach (var r in first.Changed)
        {
            await c.CompleteHandoffAsync(r.Shard, r.Epoch, up);
        }

        var second = await c.RebalanceAsync(up);
        Assert.Single(second.Changed); // 5/4/3 -> 4/4/4
        await c.CompleteHandoffAsync(second.Changed[0].Shard, second.Changed[0].Epoch, up);
        Assert.Equal([4, 4, 4], up.Select(c.OwnedBy));
        Assert.Empty((await c.RebalanceAsync(up)).Changed);
    }

    [Fact]
    public async Task Draining_moves_every_shard_off_a_node_a_capped_batch_at_a_time()
    {
        var c = await StartAsync();
        await AllocateAllAsync(c, ["a", "b", "c"]);
        string[] rest = ["a", "b"];
        await Assert.ThrowsAsync<ArgumentException>(() => c.DrainAsync("c", ["a", "b", "c"]));
        var rounds = 0;
        while (c.OwnedBy("c") > 0)
        {
            var step = await c.DrainAsync("c", rest);
            Assert.InRange(step.Changed.Count, 1, 3);
            foreach (var r in step.Changed)
            {
                await c.CompleteHandoffAsync(r.Shard, r.Epoch, rest);
            }

            rounds++;
        }

        Assert.Equal(2, rounds);
        Assert.Equal([6, 6], rest.Select(c.OwnedBy));
    }

    [Fact]
    public async Task A_newer_coordinator_fences_the_old_one_which_stops_deciding()
    {
        var old = await StartAsync(token: 1);
        await old.LocateAsync(0, ["a"]);
        var successor = await StartAsync(token: 2);
        Assert.Equal(ShardWriteOutcome.Applied, (await successor.LocateAsync(1, ["a", "b"])).Outcome);

        Assert.Equal(ShardWriteOutcome.Fenced, (await old.LocateAsync(2, ["a"])).Outcome);
        Assert.True(old.IsFenced);
        await Assert.ThrowsAsync<InvalidOperationException>(() => old.LocateAsync(3, ["a"]));
        var fenced = await _log.WaitForAsync(1604);
        Assert.Contains("token 1", fenced.Message, StringComparison.Ordinal);
        Assert.Equal([0, 1], (await _store.ReadAsync("user")).Shards.Select(r => r.Shard));

        var late = new ShardCoordinator("user", _store, Settings, _log);
        Assert.Equal(ShardWriteOutcome.Fenced, await late.StartAsync(1));
    }

    [Fact]
    public async Task A_lost_write_race_reloads_and_the_next_decision_uses_fresh_state()
    {
        // Two instances with the same token (the same singleton incarnation seen twice) race on shard 0.
        var first = await StartAsync();
        var second = await StartAsync();
        await first.LocateAsync(0, ["a"]);
        var lost = await second.LocateAsync(0, ["b"]);
        Assert.Equal(ShardWriteOutcome.Conflict, lost.Outcome);
        Assert.Contains(_log.Entries, e => e.EventId == 1605);
        var retry = await second.LocateAsync(0, ["b"]);
        Assert.Equal("a", Assert.Single(retry.Changed).Owner);
    }

    [Fact]
    public async Task Arguments_are_checked()
    {
        var c = new ShardCoordinator("user", _store, Settings, _log);
        await Assert.ThrowsAsync<InvalidOperationException>(() => c.LocateAsync(0, ["a"]));
        await c.StartAsync(1);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => c.LocateAsync(12, ["a"]));
        await Assert.ThrowsAsync<ArgumentException>(() => c.LocateAsync(0, []));
        await Assert.ThrowsAsync<ArgumentException>(() => c.MoveAsync(1, "a", ["a"]));
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresShardCoordinatorTests(PostgresServer server)
{
    [Fact]
    public async Task Decisions_survive_a_coordinator_change_and_the_old_one_is_fenced()
    {
        var store = new SqlShardAllocationStore(SqlDialect.Postgres(server.ConnectionString), "coord-" + Guid.NewGuid().ToString("N")[..8]);
        await store.InitializeAsync();
        var settings = ShardingSettings.Create(numberOfShards: 8);
        var log = new ListLogger();
        var old = new ShardCoordinator("video", store, settings, log);
        await old.StartAsync(3);
        for (var s = 0; s < 8; s++)
        {
            await old.LocateAsync(s, ["a", "b"]);
        }

        await old.MoveAsync(0, old.Shards[0].Owner == "a" ? "b" : "a", ["a", "b"]);

        var successor = new ShardCoordinator("video", store, settings, log);
        await successor.StartAsync(4);
        Assert.Equal(old.Shards.Values, successor.Shards.Values);
        Assert.Equal(ShardStatus.HandingOff, successor.Shards[0].Status);
        Assert.Equal(ShardWriteOutcome.Applied, (await successor.CompleteHandoffAsync(0, 1, ["a", "b"])).Outcome);
        Assert.Equal(2, successor.Shards[0].Epoch);

        Assert.Equal(ShardWriteOutcome.Fenced, (await old.NodeDownAsync("a", ["b"])).Outcome);
        Assert.Contains(log.Entries, e => e.EventId == 1604);
        Assert.Equal(successor.Shards.Values, (await store.ReadAsync("video")).Shards);
    }
}
