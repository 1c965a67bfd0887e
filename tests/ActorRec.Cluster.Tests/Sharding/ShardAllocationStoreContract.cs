using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Storage;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.Sharding;

/// <summary>What every <see cref="IShardAllocationStore"/> must do; run against in-memory, SQLite and PostgreSQL.</summary>
public abstract class ShardAllocationStoreContract
{
    protected abstract Task<IShardAllocationStore> CreateAsync();

    private static string TypeName() => "type-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task An_unclaimed_type_reads_empty_and_cannot_be_written()
    {
        var store = await CreateAsync();
        var type = TypeName();
        var snapshot = await store.ReadAsync(type);
        Assert.Equal((0L, 0, 0), (snapshot.CoordinatorToken, snapshot.NumberOfShards, snapshot.Shards.Count));
        Assert.Equal(ShardWriteOutcome.Fenced, await store.TryWriteAsync(type, 1, [ShardChange.Insert(ShardRecord.New(0, "a"))]));
    }

    [Fact]
    public async Task Inserts_and_updates_round_trip_with_versions()
    {
        var store = await CreateAsync();
        var type = TypeName();
        Assert.Equal(ShardWriteOutcome.Applied, await store.ClaimAsync(type, 1, 16));
        Assert.Equal(ShardWriteOutcome.Applied, await store.TryWriteAsync(type, 1, [ShardChange.Insert(ShardRecord.New(3, "a")), ShardChange.Insert(ShardRecord.New(1, "b"))]));

        var read = await store.ReadAsync(type);
        Assert.Equal((1L, 16), (read.CoordinatorToken, read.NumberOfShards));
        Assert.Equal([1, 3], read.Shards.Select(s => s.Shard));
        var three = read.Shards[1];
        Assert.Equal(new ShardRecord(3, "a", 1, ShardStatus.Allocated, null, 1), three);

        var handing = three with { Status = ShardStatus.HandingOff, HandoffTo = "b" };
        Assert.Equal(ShardWriteOutcome.Applied, await store.TryWriteAsync(type, 1, [ShardChange.Update(three, handing)]));
        var moving = (await store.ReadAsync(type)).Shards.Single(s => s.Shard == 3);
        Assert.Equal(handing with { Version = 2 }, moving);

        Assert.Equal(ShardWriteOutcome.Applied, await store.TryWriteAsync(type, 1, [ShardChange.Update(moving, moving.OwnedBy("b"))]));
        Assert.Equal(new ShardRecord(3, "b", 2, ShardStatus.Allocated, null, 3), (await store.ReadAsync(type)).Shards.Single(s => s.Shard == 3));
    }

    [Fact]
    public async Task A_stale_version_or_a_duplicate_insert_conflicts_and_the_whole_batch_is_rolled_back()
    {
        var store = await CreateAsync();
        var type = TypeName();
        await store.ClaimAsync(type, 1, 16);
        await store.TryWriteAsync(type, 1, [ShardChange.Insert(ShardRecord.New(0, "a"))]);
        var zero = (await store.ReadAsync(type)).Shards[0];
        Assert.Equal(ShardWriteOutcome.Applied, await store.TryWriteAsync(type, 1, [ShardChange.Update(zero, zero.OwnedBy("b"))]));

        // Stale update of shard 0 in the same batch as a valid insert of shard 5: neither is written.
        Assert.Equal(ShardWriteOutcome.Conflict, await store.TryWriteAsync(type, 1,
            [ShardChange.Insert(ShardRecord.New(5, "c")), ShardChange.Update(zero, zero.OwnedBy("c"))]));
        Assert.Equal(ShardWriteOutcome.Conflict, await store.TryWriteAsync(type, 1, [ShardChange.Insert(ShardRecord.New(0, "c"))]));
        var after = await store.ReadAsync(type);
        Assert.Equal(new ShardRecord(0, "b", 2, ShardStatus.Allocated, null, 2), Assert.Single(after.Shards));
    }

    [Fact]
    public async Task A_whole_table_is_written_in_one_batch_and_a_clash_anywhere_in_it_writes_nothing()
    {
        var store = await CreateAsync();
        var type = TypeName();
        await store.ClaimAsync(type, 1, 1024);
        await store.TryWriteAsync(type, 1, [ShardChange.Insert(ShardRecord.New(700, "z"))]);

        // 300 inserts (more than one multi-row statement) around an update: the clash with row 700 comes late in the
        // batch and rolls back everything before it.
        var clash = Enumerable.Range(500, 300).Select(s => ShardChange.Insert(ShardRecord.New(s, "n" + (s % 3)))).ToArray();
        Assert.Equal(ShardWriteOutcome.Conflict, await store.TryWriteAsync(type, 1, clash));
        Assert.Equal([700], (await store.ReadAsync(type)).Shards.Select(r => r.Shard));

        var seven = (await store.ReadAsync(type)).Shards[0];
        var batch = Enumerable.Range(0, 300).Select(s => ShardChange.Insert(ShardRecord.New(s, "n" + (s % 3))))
            .Append(ShardChange.Update(seven, seven.OwnedBy("n1")))
            .Concat(Enumerable.Range(300, 5).Select(s => ShardChange.Insert(ShardRecord.New(s, "n0"))))
            .ToArray();
        Assert.Equal(ShardWriteOutcome.Applied, await store.TryWriteAsync(type, 1, batch));
        var read = await store.ReadAsync(type);
        Assert.Equal(306, read.Shards.Count);
        Assert.Equal(batch.Select(c => c.Written).OrderBy(r => r.Shard), read.Shards);
    }

    [Fact]
    public async Task A_newer_coordinator_fences_the_older_one()
    {
        var store = await CreateAsync();
        var type = TypeName();
        Assert.Equal(ShardWriteOutcome.Applied, await store.ClaimAsync(type, 4, 16));
        Assert.Equal(ShardWriteOutcome.Applied, await store.TryWriteAsync(type, 4, [ShardChange.Insert(ShardRecord.New(0, "a"))]));
        Assert.Equal(ShardWriteOutcome.Applied, await store.ClaimAsync(type, 5, 16));

        Assert.Equal(ShardWriteOutcome.Fenced, await store.TryWriteAsync(type, 4, [ShardChange.Insert(ShardRecord.New(1, "a"))]));
        Assert.Equal(ShardWriteOutcome.Fenced, await store.ClaimAsync(type, 3, 16));
        Assert.Equal(ShardWriteOutcome.Applied, await store.TryWriteAsync(type, 5, [ShardChange.Insert(ShardRecord.New(1, "b"))]));
        // A write with a higher token raises the fence too.
        Assert.Equal(ShardWriteOutcome.Applied, await store.TryWriteAsync(type, 7, [ShardChange.Insert(ShardRecord.New(2, "b"))]));
        Assert.Equal(ShardWriteOutcome.Fenced, await store.TryWriteAsync(type, 5, [ShardChange.Insert(ShardRecord.New(3, "b"))]));
        var read = await store.ReadAsync(type);
        Assert.Equal(7, read.CoordinatorToken);
        Assert.Equal([0, 1, 2], read.Shards.Select(s => s.Shard));
    }

    [Fact]
    public async Task The_shard_count_cannot_change()
    {
        var store = await CreateAsync();
        var type = TypeName();
        await store.ClaimAsync(type, 1, 16);
        var e = await Assert.ThrowsAsync<ShardCountMismatchException>(() => store.ClaimAsync(type, 2, 32));
        Assert.Equal((16, 32), (e.Stored, e.Configured));
        Assert.Contains("number-of-shards", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Racing_writers_of_one_row_never_both_win()
    {
        var store = await CreateAsync();
        var type = TypeName();
        await store.ClaimAsync(type, 1, 16);
        await store.TryWriteAsync(type, 1, [ShardChange.Insert(ShardRecord.New(0, "a"))]);
        var row = (await store.ReadAsync(type)).Shards[0];
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Task.Run(() => store.TryWriteAsync(type, 1, [ShardChange.Update(row, row.OwnedBy("n" + i))]))));
        Assert.Single(outcomes, o => o == ShardWriteOutcome.Applied);
        Assert.Equal(2, (await store.ReadAsync(type)).Shards[0].Version);
    }

    [Fact]
    public async Task Types_do_not_see_each_other()
    {
        var store = await CreateAsync();
        var (user, video) = (TypeName(), TypeName());
        await store.ClaimAsync(user, 1, 16);
        await store.ClaimAsync(video, 1, 8);
        await store.TryWriteAsync(user, 1, [ShardChange.Insert(ShardRecord.New(0, "a"))]);
        Assert.Empty((await store.ReadAsync(video)).Shards);
        Assert.Equal(8, (await store.ReadAsync(video)).NumberOfShards);
    }

    [Fact]
    public async Task Bad_batches_are_refused()
    {
        var store = await CreateAsync();
        var type = TypeName();
        await store.ClaimAsync(type, 1, 16);
        await Assert.ThrowsAsync<ArgumentException>(() => store.TryWriteAsync(type, 1, [ShardChange.Insert(ShardRecord.New(0, "a")), ShardChange.Insert(ShardRecord.New(0, "b"))]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.TryWriteAsync(type, 0, []));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync(""));
    }
}

public sealed class InMemoryShardAllocationStoreTests : ShardAllocationStoreContract
{
    protected override Task<IShardAllocationStore> CreateAsync() => Task.FromResult<IShardAllocationStore>(new InMemoryShardAllocationStore());
}

public sealed class SqliteShardAllocationStoreTests : ShardAllocationStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorrec-shards-sqlite-").FullName;

    protected override async Task<IShardAllocationStore> CreateAsync()
    {
        var store = new SqlShardAllocationStore(SqlDialect.Sqlite($"Data Source={Path.Combine(_dir, "shards.db")};Pooling=false"), "test");
        await store.InitializeAsync();
        return store;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresShardAllocationStoreTests(PostgresServer server) : ShardAllocationStoreContract
{
    protected override async Task<IShardAllocationStore> CreateAsync()
    {
        var store = new SqlShardAllocationStore(SqlDialect.Postgres(server.ConnectionString), "test-" + Guid.NewGuid().ToString("N")[..8]);
        await store.InitializeAsync();
        return store;
    }
}
