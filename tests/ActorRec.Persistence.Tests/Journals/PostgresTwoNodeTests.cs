using System.Text;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Postgres;

namespace ActorRec.Persistence.Tests.Journals;

/// <summary>Two journals on one PostgreSQL database, as two cluster nodes would have: caches never hide the other's writes.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresTwoNodeTests(PostgresServer server)
{
    [Fact]
    public async Task A_sequence_cached_by_one_node_and_written_by_another_gives_a_conflict_then_recovers()
    {
        PersistenceSettings settings = await SettingsAsync();
        await using var a = new PostgresJournal(settings);
        await using var b = new PostgresJournal(settings);
        await a.WriteAsync(Write("u", 1, 0));
        await b.WriteAsync(Write("u", 2, 0));

        SequenceConflictException ex = await Assert.ThrowsAsync<SequenceConflictException>(() => a.WriteAsync(Write("u", 2, 0)));
        Assert.Equal(("u", 2L, 2L), (ex.PersistenceId, ex.SequenceNr, ex.HighestStored));
        await a.WriteAsync(Write("u", 3, 0));
        Assert.Equal(3, await b.ReadHighestSequenceNrAsync("u"));
    }

    [Fact]
    public async Task An_entity_that_moved_away_and_back_writes_after_the_other_nodes_events()
    {
        // Node a caches "u" at 1; the entity moves to b, which writes 2 and 3; it moves back to a, recovers at 3 and
        // writes 4. a's cache is behind the journal: the write must be checked against the journal, not refused as a gap.
        PersistenceSettings settings = await SettingsAsync();
        await using var a = new PostgresJournal(settings);
        await using var b = new PostgresJournal(settings);
        await a.WriteAsync(Write("u", 1, 0));
        await b.WriteAsync(Write("u", 2, 0));
        await b.WriteAsync(Write("u", 3, 0));

        Assert.Equal(3, await a.ReadHighestSequenceNrAsync("u"));
        await a.WriteAsync(Write("u", 4, 0));
        await a.WriteAsync(Write("u", 5, 0));
        Assert.Equal(5, await b.ReadHighestSequenceNrAsync("u"));
        await Assert.ThrowsAsync<SequenceGapException>(() => a.WriteAsync(Write("u", 7, 0)));
    }

    [Fact]
    public async Task A_new_owner_fencing_a_shard_stops_the_old_owner_at_its_next_write()
    {
        PersistenceSettings settings = await SettingsAsync();
        await using var oldOwner = new PostgresJournal(settings);
        await using var newOwner = new PostgresJournal(settings);
        await oldOwner.WriteAsync(Write("v", 1, 5, "shard-3"));
        await newOwner.FenceAsync("shard-3", 6);

        JournalFencedException ex = await Assert.ThrowsAsync<JournalFencedException>(() => oldOwner.WriteAsync(Write("v", 2, 5, "shard-3")));
        Assert.Equal(("v", "shard-3", 5L, 6L), (ex.PersistenceId, ex.FenceKey, ex.WriterEpoch, ex.CurrentEpoch));
        await Assert.ThrowsAsync<JournalFencedException>(() => oldOwner.FenceAsync("shard-3", 5));
        await newOwner.WriteAsync(Write("v", 2, 6, "shard-3"));
        Assert.Equal(6, await oldOwner.ReadFenceEpochAsync("shard-3"));
    }

    [Fact]
    public async Task A_batch_with_one_stale_cached_write_fails_only_that_write()
    {
        // a caches u1..u3 at 1 (its next batch of them takes the optimistic path); b writes u2's 2. a's batch collides
        // on the unique index, is refused as a whole, and re-runs checked: only u2's write fails.
        PersistenceSettings settings = await SettingsAsync();
        await using var a = new PostgresJournal(settings);
        await using var b = new PostgresJournal(settings);
        Assert.All(await a.WriteBatchAsync([Write("u1", 1, 0), Write("u2", 1, 0), Write("u3", 1, 0)]), Assert.Null);
        await b.WriteAsync(Write("u2", 2, 0));

        IReadOnlyList<Exception?> results = await a.WriteBatchAsync([Write("u1", 2, 0), Write("u2", 2, 0), Write("u3", 2, 0)]);
        Assert.Null(results[0]);
        SequenceConflictException conflict = Assert.IsType<SequenceConflictException>(results[1]);
        Assert.Equal(("u2", 2L, 2L), (conflict.PersistenceId, conflict.SequenceNr, conflict.HighestStored));
        Assert.Null(results[2]);
        Assert.True(a.FastPathRefusals >= 1, "the stale write must have been caught by the optimistic commit");
        Assert.Equal(2, await b.ReadHighestSequenceNrAsync("u1"));
        Assert.Equal(2, await b.ReadHighestSequenceNrAsync("u3"));
        await a.WriteAsync(Write("u2", 3, 0));
        Assert.Equal(3, await b.ReadHighestSequenceNrAsync("u2"));
    }

    [Fact]
    public async Task A_fence_raised_by_another_node_fails_only_the_fenced_write_of_an_optimistic_batch()
    {
        PersistenceSettings settings = await SettingsAsync();
        await using var a = new PostgresJournal(settings);
        await using var b = new PostgresJournal(settings);
        Assert.All(await a.WriteBatchAsync([Write("v", 1, 5, "shard-1"), Write("w", 1, 5, "shard-2")]), Assert.Null);
        await b.FenceAsync("shard-1", 6);

        IReadOnlyList<Exception?> results = await a.WriteBatchAsync([Write("v", 2, 5, "shard-1"), Write("w", 2, 5, "shard-2")]);
        JournalFencedException fenced = Assert.IsType<JournalFencedException>(results[0]);
        Assert.Equal(("v", "shard-1", 5L, 6L), (fenced.PersistenceId, fenced.FenceKey, fenced.WriterEpoch, fenced.CurrentEpoch));
        Assert.Null(results[1]);
        Assert.True(a.FastPathRefusals >= 1, "the fenced write must have been caught by the optimistic commit");
        Assert.Equal(1, await b.ReadHighestSequenceNrAsync("v"));
        Assert.Equal(2, await b.ReadHighestSequenceNrAsync("w"));
    }

    [Fact]
    public async Task An_optimistic_batch_raises_the_fence_it_carries_and_fences_older_writers()
    {
        PersistenceSettings settings = await SettingsAsync();
        await using var a = new PostgresJournal(settings);
        await using var b = new PostgresJournal(settings);
        await a.WriteAsync(Write("x", 1, 1, "k"));
        await a.WriteAsync(Write("x", 2, 3, "k"));
        Assert.Equal((1L, 0L), (a.FastCommits, a.FastPathRefusals));

        Assert.Equal(3, await b.ReadFenceEpochAsync("k"));
        JournalFencedException ex = await Assert.ThrowsAsync<JournalFencedException>(() => b.FenceAsync("k", 2));
        Assert.Equal(3, ex.CurrentEpoch);
        await b.WriteAsync(Write("x", 3, 3, "k"));
        await Assert.ThrowsAsync<JournalFencedException>(() => a.WriteAsync(Write("x", 3, 2, "k")));
    }

    private async Task<PersistenceSettings> SettingsAsync() => PersistenceSettings.Default with
    {
        Plugin = PersistencePlugin.Postgres,
        ConnectionString = await server.NewDatabaseAsync(),
    };

    private static AtomicWrite Write(string pid, long seq, long epoch, string? fenceKey = null) =>
        new(new PersistentRepr(pid, seq, "test.event", 1, Encoding.UTF8.GetBytes($"{pid}-{seq}"), seq, epoch), fenceKey);
}
