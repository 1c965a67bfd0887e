using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.Sharding;

/// <summary>
/// Batched allocation (<see cref="ShardCoordinator.AllocateAsync"/>): every unallocated shard asked for is placed in one
/// store write, exactly where as many single allocations would have put them (fewest shards first, ties by name), at
/// epoch 1, with one allocation log line each; allocated and repeated shards are skipped; fencing still stops it.
/// </summary>
public sealed class ShardBatchAllocationTests
{
    private static readonly ShardingSettings Settings = ShardingSettings.Create(numberOfShards: 64, maxSimultaneousMoves: 3);
    private readonly ListLogger _log = new();

    private static async Task<ShardCoordinator> StartAsync(IShardAllocationStore store, ListLogger log, long token = 1)
    {
        var coordinator = new ShardCoordinator("user", store, Settings, log);
        Assert.Equal(ShardWriteOutcome.Applied, await coordinator.StartAsync(token));
        return coordinator;
    }

    [Fact]
    public async Task A_batch_is_one_write_and_places_shards_as_single_allocations_would()
    {
        string[] nodes = ["c", "a", "b"];
        var shards = Enumerable.Range(0, 64).Reverse().ToArray();

        var singleStore = new CountingShardAllocationStore(new InMemoryShardAllocationStore());
        var single = await StartAsync(singleStore, new ListLogger());
        foreach (var s in shards.Order())
        {
            await single.LocateAsync(s, nodes);
        }

        var batchStore = new CountingShardAllocationStore(new InMemoryShardAllocationStore());
        var batch = await StartAsync(batchStore, _log);
        var result = await batch.AllocateAsync(shards, nodes);

        Assert.Equal(ShardWriteOutcome.Applied, result.Outcome);
        Assert.Equal((64, 1), (singleStore.Writes, batchStore.Writes));
        Assert.Equal(64, result.Changed.Count);
        Assert.Equal(single.Shards.Values, batch.Shards.Values);
        Assert.Equal([22, 21, 21], new[] { "a", "b", "c" }.Select(batch.OwnedBy));
        Assert.All(batch.Shards.Values, r => Assert.Equal((1L, ShardStatus.Allocated, 1L), (r.Epoch, r.Status, r.Version)));
        Assert.Equal(64, _log.Entries.Count(e => e.EventId == 1600));

        // What was written is what a successor reads.
        var successor = await StartAsync(batchStore, new ListLogger(), token: 2);
        Assert.Equal(batch.Shards.Values, successor.Shards.Values);
    }

    [Fact]
    public async Task A_batch_fills_the_emptiest_nodes_first_and_skips_allocated_and_repeated_shards()
    {
        var store = new CountingShardAllocationStore(new InMemoryShardAllocationStore());
        var c = await StartAsync(store, _log);
        await c.AllocateAsync([0, 1, 2, 3, 4, 5], ["a"]);

        // b and c are empty: the new shards go to them in turn (a, with 6, is never the emptiest).
        var result = await c.AllocateAsync([3, 9, 9, 7, 6, 8, 10, 11, 12, 13, 14, 5, 15], ["a", "b", "c"]);
        Assert.Equal([6, 7, 8, 9, 10, 11, 12, 13, 14, 15], result.Changed.Select(r => r.Shard));
        Assert.Equal(["b", "c", "b", "c", "b", "c", "b", "c", "b", "c"], result.Changed.Select(r => r.Owner));
        Assert.Equal([6, 5, 5], new[] { "a", "b", "c" }.Select(c.OwnedBy));
        Assert.Equal(2, store.Writes);

        // Nothing new asked for: no write, nothing changed.
        var none = await c.AllocateAsync([0, 6, 15], ["a", "b", "c"]);
        Assert.Equal((ShardWriteOutcome.Applied, 0, 2), (none.Outcome, none.Changed.Count, store.Writes));
        Assert.Equal(16, _log.Entries.Count(e => e.EventId == 1600));
    }

    [Fact]
    public async Task Bad_shards_are_refused_and_a_fenced_coordinator_writes_nothing()
    {
        var store = new InMemoryShardAllocationStore();
        var old = await StartAsync(store, _log);
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => old.AllocateAsync([1, 64], ["a"]));
        Assert.Equal("shard", e.ParamName);
        Assert.Empty(old.Shards);
        await Assert.ThrowsAsync<ArgumentException>(() => old.AllocateAsync([1], []));

        var successor = await StartAsync(store, new ListLogger(), token: 2);
        Assert.Equal(ShardWriteOutcome.Fenced, (await old.AllocateAsync([1, 2, 3], ["a"])).Outcome);
        Assert.True(old.IsFenced);
        Assert.Equal(3, (await successor.AllocateAsync([1, 2, 3], ["b"])).Changed.Count);
        Assert.All((await store.ReadAsync("user")).Shards, r => Assert.Equal("b", r.Owner));
    }

    [Fact]
    public async Task A_batch_that_meets_another_writers_row_conflicts_writes_nothing_and_the_retry_places_the_rest()
    {
        var store = new InMemoryShardAllocationStore();
        var c = await StartAsync(store, _log);
        // A row written behind this coordinator's back (same token: a lost race, not a newer coordinator).
        Assert.Equal(ShardWriteOutcome.Applied, await store.TryWriteAsync("user", 1, [ShardChange.Insert(ShardRecord.New(4, "z"))]));

        var lost = await c.AllocateAsync([2, 4, 6], ["a", "b"]);
        Assert.Equal((ShardWriteOutcome.Conflict, 0), (lost.Outcome, lost.Changed.Count));
        Assert.Equal([4], (await store.ReadAsync("user")).Shards.Select(r => r.Shard));

        // The conflict re-read the table: the retry skips shard 4.
        var retry = await c.AllocateAsync([2, 4, 6], ["a", "b"]);
        Assert.Equal([2, 6], retry.Changed.Select(r => r.Shard));
        Assert.Equal("z", c.Shards[4].Owner);
    }
}

/// <summary>An allocation store that counts the row writes (<see cref="IShardAllocationStore.TryWriteAsync"/>) it passes on.</summary>
internal sealed class CountingShardAllocationStore(IShardAllocationStore inner) : IShardAllocationStore
{
    private int _writes;

    public int Writes => Volatile.Read(ref _writes);

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task<ShardWriteOutcome> ClaimAsync(string typeName, long coordinatorToken, int numberOfShards, CancellationToken cancellationToken = default) =>
        inner.ClaimAsync(typeName, coordinatorToken, numberOfShards, cancellationToken);

    public Task<ShardAllocationSnapshot> ReadAsync(string typeName, CancellationToken cancellationToken = default) => inner.ReadAsync(typeName, cancellationToken);

    public Task<ShardWriteOutcome> TryWriteAsync(string typeName, long coordinatorToken, IReadOnlyList<ShardChange> changes, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _writes);
        return inner.TryWriteAsync(typeName, coordinatorToken, changes, cancellationToken);
    }
}
