using System.Text;
using ActorRec.Persistence.InMemory;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Snapshots;
using ActorRec.Persistence.Sqlite;

namespace ActorRec.Persistence.Tests.Journals;

/// <summary>
/// The first-sight recovery shortcut: the SQLite journal answers "never written" only for ids absent from its id table
/// and only for its companion snapshot store, so recovery skips the reads exactly when there is nothing to read.
/// </summary>
public sealed class SqliteNewIdTests : IDisposable
{
    private readonly TempDir _dir = new();

    private PersistenceSettings Settings => PersistenceSettings.Default with { DataDir = _dir.Path, SqliteSynchronousFull = false };

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task An_id_is_never_written_until_its_first_event_commits_and_stays_written_after_a_reopen_and_a_delete()
    {
        var snapshots = new SqliteSnapshotStore(Settings);
        await using (var journal = new SqliteJournal(Settings))
        {
            Assert.True(journal.IsNeverWritten("user/a", snapshots));
            await journal.WriteAsync(new AtomicWrite(Row("user/a", 1)));
            Assert.False(journal.IsNeverWritten("user/a", snapshots));
            Assert.True(journal.IsNeverWritten("user/b", snapshots));
            await journal.DeleteToAsync("user/a", 1);
            Assert.False(journal.IsNeverWritten("user/a", snapshots));
        }

        await using (var reopened = new SqliteJournal(Settings))
        {
            Assert.False(reopened.IsNeverWritten("user/a", snapshots));
            Assert.True(reopened.IsNeverWritten("user/b", snapshots));
        }

        await snapshots.DisposeAsync();
    }

    [Fact]
    public async Task Another_snapshot_store_or_a_closed_journal_is_never_answered_never_written()
    {
        await using ISnapshotStore memory = new InMemorySnapshotStore();
        using var otherDir = new TempDir();
        await using ISnapshotStore elsewhere = new SqliteSnapshotStore(Settings with { DataDir = otherDir.Path });
        var journal = new SqliteJournal(Settings);
        Assert.False(journal.IsNeverWritten("user/a", memory));
        Assert.False(journal.IsNeverWritten("user/a", elsewhere));
        await journal.DisposeAsync();
        await using ISnapshotStore own = new SqliteSnapshotStore(Settings);
        Assert.False(journal.IsNeverWritten("user/a", own));
    }

    private static PersistentRepr Row(string pid, long seq)
    {
        var row = new PersistentRepr(pid, seq, "test.event", 1, Encoding.UTF8.GetBytes($"{pid}-{seq}"), 1_700_000_000_000 + seq, 0);
        return row with { Checksum = row.ComputeChecksum() };
    }
}
