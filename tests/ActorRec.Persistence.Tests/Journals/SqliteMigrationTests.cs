using System.Text;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace ActorRec.Persistence.Tests.Journals;

/// <summary>A data dir written by the schema-1 journal (id strings in every row) opens and is migrated in place.</summary>
public sealed class SqliteMigrationTests : IDisposable
{
    private const long SqliteJournalSchemaVersion = 2;

    private readonly TempDir _dir = new();

    private string DbPath => Path.Combine(_dir.Path, "journal.db");

    private PersistenceSettings Settings => PersistenceSettings.Default with { DataDir = _dir.Path, SqliteSynchronousFull = false };

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_schema_1_journal_is_migrated_keeping_offsets_checksums_deletes_and_epochs()
    {
        WriteV1File(
            Row(1, "user-b", 1, epoch: 0),
            Row(2, "user-a", 1, epoch: 0),
            Row(3, "user-b", 2, epoch: 0, deleted: true),
            Row(5, "user-b", 3, epoch: 2),
            Row(6, "user-a", 2, epoch: 0));

        await using (var journal = new SqliteJournal(Settings))
        {
            List<PersistentRepr> all = await ToListAsync(journal.ScanRowsAsync(0));
            Assert.Equal([1L, 2, 3, 5, 6], all.Select(r => r.Ordering));
            Assert.Equal(["user-b", "user-a", "user-b", "user-b", "user-a"], all.Select(r => r.PersistenceId));
            Assert.All(all, r => Assert.Equal(r.ComputeChecksum(), r.Checksum));
            Assert.Equal([false, false, true, false, false], all.Select(r => r.Deleted));

            List<PersistentRepr> b = await ToListAsync(journal.ReplayAsync("user-b", 1, long.MaxValue, long.MaxValue));
            Assert.Equal([1L, 3], b.Select(r => r.SequenceNr));
            Assert.Equal("user-b-3", Encoding.UTF8.GetString(b[1].Payload));
            Assert.Equal(3, await journal.ReadHighestSequenceNrAsync("user-b"));
            Assert.Equal(["user-a", "user-b"], await ToListAsync(journal.CurrentPersistenceIdsAsync()));
            Assert.Equal(2, await journal.ReadFenceEpochAsync("user-b"));
            await Assert.ThrowsAsync<JournalFencedException>(() => journal.WriteAsync(new AtomicWrite(Row(0, "user-b", 4, epoch: 1))));

            await journal.WriteAsync(new AtomicWrite(Row(0, "user-a", 3, epoch: 0)));
            await journal.WriteAsync(new AtomicWrite(Row(0, "user-c", 1, epoch: 0)));
            await Assert.ThrowsAsync<SequenceConflictException>(() => journal.WriteAsync(new AtomicWrite(Row(0, "user-a", 2, epoch: 0))));
            List<PersistentRepr> tail = await ToListAsync(journal.CurrentAllEventsAsync(6));
            Assert.Equal([("user-a", 3L), ("user-c", 1L)], tail.Select(r => (r.PersistenceId, r.SequenceNr)));
            Assert.True(tail[0].Ordering > 6);
        }

        Assert.Equal(SqliteJournalSchemaVersion, Scalar("PRAGMA user_version"));
        Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'journal_pid_seq'"));
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'journal_pid_seq_v2'"));
        await using (var reopened = new SqliteJournal(Settings))
        {
            Assert.Equal(3, await reopened.ReadHighestSequenceNrAsync("user-a"));
            Assert.Equal(7, (await ToListAsync(reopened.ScanRowsAsync(0))).Count);
        }
    }

    [Fact]
    public void A_journal_from_a_newer_schema_is_refused_with_both_versions_named()
    {
        Exec("CREATE TABLE journal (x INTEGER); PRAGMA user_version = 9;");
        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => new SqliteJournal(Settings));
        Assert.Contains("schema version 9", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(2)", ex.Message, StringComparison.Ordinal);
        Assert.Contains(DbPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_journal_is_left_alone()
    {
        Exec("CREATE TABLE unrelated (x INTEGER);");
        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => new SqliteJournal(Settings));
        Assert.Contains("not an ActorRec journal", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'unrelated'"));
    }

    private static PersistentRepr Row(long ordering, string pid, long seq, long epoch, bool deleted = false)
    {
        var row = new PersistentRepr(pid, seq, "test.event", 1, Encoding.UTF8.GetBytes($"{pid}-{seq}"), 1_700_000_000_000 + seq, epoch)
        {
            Ordering = ordering,
            Deleted = deleted,
        };
        return row with { Checksum = row.ComputeChecksum() };
    }

    /// <summary>Creates journal.db exactly as the schema-1 journal did (table, index, user_version 0) with these rows.</summary>
    private void WriteV1File(params PersistentRepr[] rows)
    {
        Exec("""
            PRAGMA journal_mode = WAL;
            CREATE TABLE journal (
              ordering INTEGER PRIMARY KEY,
              persistence_id TEXT NOT NULL,
              sequence_nr INTEGER NOT NULL,
              writer_epoch INTEGER NOT NULL DEFAULT 0,
              manifest TEXT NOT NULL,
              schema_version INTEGER NOT NULL,
              timestamp_ms INTEGER NOT NULL,
              deleted INTEGER NOT NULL DEFAULT 0,
              checksum INTEGER NOT NULL,
              payload BLOB NOT NULL);
            CREATE UNIQUE INDEX journal_pid_seq ON journal (persistence_id, sequence_nr);
            """);
        using var conn = new SqliteConnection($"Data Source={DbPath};Pooling=false");
        conn.Open();
        foreach (PersistentRepr r in rows)
        {
            using SqliteCommand cmd = conn.CreateCommand();
            cmd.CommandText = """
                INSERT INTO journal (ordering, persistence_id, sequence_nr, writer_epoch, manifest, schema_version, timestamp_ms, deleted, checksum, payload)
                VALUES ($o, $pid, $seq, $epoch, $m, $v, $ts, $del, $crc, $p)
                """;
            cmd.Parameters.AddWithValue("$o", r.Ordering);
            cmd.Parameters.AddWithValue("$pid", r.PersistenceId);
            cmd.Parameters.AddWithValue("$seq", r.SequenceNr);
            cmd.Parameters.AddWithValue("$epoch", r.WriterEpoch);
            cmd.Parameters.AddWithValue("$m", r.Manifest);
            cmd.Parameters.AddWithValue("$v", r.SchemaVersion);
            cmd.Parameters.AddWithValue("$ts", r.TimestampMs);
            cmd.Parameters.AddWithValue("$del", r.Deleted ? 1 : 0);
            cmd.Parameters.AddWithValue("$crc", (long)r.Checksum);
            cmd.Parameters.AddWithValue("$p", r.Payload);
            cmd.ExecuteNonQuery();
        }
    }

    private void Exec(string sql)
    {
        Directory.CreateDirectory(_dir.Path);
        using var conn = new SqliteConnection($"Data Source={DbPath};Pooling=false");
        conn.Open();
        using SqliteCommand cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        using var conn = new SqliteConnection($"Data Source={DbPath};Pooling=false");
        conn.Open();
        using SqliteCommand cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (T item in source)
        {
            list.Add(item);
        }

        return list;
    }
}
