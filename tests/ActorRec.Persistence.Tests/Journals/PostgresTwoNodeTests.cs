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

    private async Task<PersistenceSettings> SettingsAsync() => PersistenceSettings.Default with
    {
        Plugin = PersistencePlugin.Postgres,
        ConnectionString = await server.NewDatabaseAsync(),
    };

    private static AtomicWrite Write(string pid, long seq, long epoch, string? fenceKey = null) =>
        new(new PersistentRepr(pid, seq, "test.event", 1, Encoding.UTF8.GetBytes($"{pid}-{seq}"), seq, epoch), fenceKey);
}
