using System.Text;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Postgres;
using Npgsql;

namespace ActorRec.Persistence.Tests.Journals;

/// <summary>
/// Schema-1 (text-keyed unique index) and schema-2 (integer key, id text still in every row) PostgreSQL journals are
/// migrated in place to schema 3 (rows carry only the id number; view <c>journal_rows</c> joins the text back) when opened.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMigrationTests(PostgresServer server)
{
    private const string Schema1 = """
        CREATE TABLE journal (
          ordering BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          persistence_id TEXT NOT NULL,
          sequence_nr BIGINT NOT NULL,
          writer_epoch BIGINT NOT NULL DEFAULT 0,
          manifest TEXT NOT NULL,
          schema_version INT NOT NULL,
          timestamp_ms BIGINT NOT NULL,
          deleted BOOLEAN NOT NULL DEFAULT FALSE,
          checksum BIGINT NOT NULL,
          payload BYTEA NOT NULL,
          CONSTRAINT journal_pid_seq UNIQUE (persistence_id, sequence_nr));
        CREATE TABLE journal_fences (fence_key TEXT PRIMARY KEY, epoch BIGINT NOT NULL);
        INSERT INTO journal_fences VALUES ('b', 4);
        """;

    [Fact]
    public async Task A_schema_1_journal_is_migrated_in_place_keeping_offsets_deletes_checksums_and_fences()
    {
        string conn = await server.NewDatabaseAsync();
        await using (var dataSource = NpgsqlDataSource.Create(conn))
        {
            await using (NpgsqlCommand ddl = dataSource.CreateCommand(Schema1))
            {
                await ddl.ExecuteNonQueryAsync();
            }

            await InsertV1Async(dataSource, Event("a", 1, 0), deleted: true);
            await InsertV1Async(dataSource, Event("b", 1, 4), deleted: false);
            await InsertV1Async(dataSource, Event("a", 2, 0), deleted: false);
            await InsertV1Async(dataSource, Event("a", 3, 0), deleted: false);
        }

        PersistenceSettings settings = PersistenceSettings.Default with { Plugin = PersistencePlugin.Postgres, ConnectionString = conn };
        await using (var journal = new PostgresJournal(settings))
        {
            var replayed = new List<PersistentRepr>();
            await foreach (PersistentRepr e in journal.ReplayAsync("a", 1, long.MaxValue, long.MaxValue))
            {
                replayed.Add(e);
            }

            Assert.Equal([(2L, 3L), (3L, 4L)], replayed.Select(e => (e.SequenceNr, e.Ordering)));
            Assert.Equal("a-3", Encoding.UTF8.GetString(replayed[1].Payload));
            Assert.Equal(3, await journal.ReadHighestSequenceNrAsync("a"));
            Assert.Equal(4, await journal.ReadFenceEpochAsync("b"));
            var ids = new List<string>();
            await foreach (string id in journal.CurrentPersistenceIdsAsync())
            {
                ids.Add(id);
            }

            Assert.Equal(["a", "b"], ids);
            await Assert.ThrowsAsync<JournalFencedException>(() => journal.WriteAsync(new AtomicWrite(Event("b", 2, 3))));
            await Assert.ThrowsAnyAsync<JournalException>(() => journal.WriteAsync(new AtomicWrite(Event("a", 3, 0))));
            await journal.WriteAsync(new AtomicWrite(Event("a", 4, 0)));
            await journal.WriteAsync(new AtomicWrite(Event("c", 1, 0)));
        }

        // Reopening a schema-3 database changes nothing; the unique index is on the integer id.
        await using (var reopened = new PostgresJournal(settings))
        {
            Assert.Equal(4, await reopened.ReadHighestSequenceNrAsync("a"));
            Assert.Equal(1, await reopened.ReadHighestSequenceNrAsync("c"));
            Assert.Equal(6, await reopened.ReadHighestOffsetAsync());
        }

        await using var check = NpgsqlDataSource.Create(conn);
        await using NpgsqlCommand index = check.CreateCommand(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'journal_pid_seq'");
        Assert.Equal("UNIQUE (pid, sequence_nr)", (string?)await index.ExecuteScalarAsync());
        await AssertSchema3Async(check, ["a:1:True", "b:1:False", "a:2:False", "a:3:False", "a:4:False", "c:1:False"]);
    }

    private const string Schema2 = """
        CREATE TABLE journal (
          ordering BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          persistence_id TEXT NOT NULL,
          pid BIGINT NOT NULL,
          sequence_nr BIGINT NOT NULL,
          writer_epoch BIGINT NOT NULL DEFAULT 0,
          manifest TEXT NOT NULL,
          schema_version INT NOT NULL,
          timestamp_ms BIGINT NOT NULL,
          deleted BOOLEAN NOT NULL DEFAULT FALSE,
          checksum BIGINT NOT NULL,
          payload BYTEA NOT NULL,
          CONSTRAINT journal_pid_seq UNIQUE (pid, sequence_nr));
        CREATE TABLE persistence_ids (
          id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          persistence_id TEXT NOT NULL CONSTRAINT persistence_ids_text UNIQUE);
        CREATE TABLE journal_fences (fence_key TEXT PRIMARY KEY, epoch BIGINT NOT NULL);
        INSERT INTO journal_fences VALUES ('b', 4);
        """;

    [Fact]
    public async Task A_schema_2_journal_drops_the_id_text_from_its_rows_keeping_offsets_deletes_checksums_and_fences()
    {
        string conn = await server.NewDatabaseAsync();
        await using (var dataSource = NpgsqlDataSource.Create(conn))
        {
            await using (NpgsqlCommand ddl = dataSource.CreateCommand(Schema2))
            {
                await ddl.ExecuteNonQueryAsync();
            }

            await InsertV2Async(dataSource, Event("a", 1, 0), deleted: true);
            await InsertV2Async(dataSource, Event("b", 1, 4), deleted: false);
            await InsertV2Async(dataSource, Event("a", 2, 0), deleted: false);
        }

        PersistenceSettings settings = PersistenceSettings.Default with { Plugin = PersistencePlugin.Postgres, ConnectionString = conn };
        await using (var journal = new PostgresJournal(settings))
        {
            var replayed = new List<PersistentRepr>();
            await foreach (PersistentRepr e in journal.ReplayAsync("a", 1, long.MaxValue, long.MaxValue))
            {
                replayed.Add(e);
            }

            // Rows written before the migration still verify: the checksum covers the id text, now joined back.
            Assert.Equal([(2L, 3L, "a")], replayed.Select(e => (e.SequenceNr, e.Ordering, e.PersistenceId)));
            var all = new List<string>();
            await foreach (PersistentRepr e in journal.CurrentAllEventsAsync(0))
            {
                all.Add($"{e.PersistenceId}:{e.SequenceNr}");
            }

            Assert.Equal(["b:1", "a:2"], all);
            Assert.Equal(4, await journal.ReadFenceEpochAsync("b"));
            await Assert.ThrowsAsync<JournalFencedException>(() => journal.WriteAsync(new AtomicWrite(Event("b", 2, 3))));
            await Assert.ThrowsAnyAsync<JournalException>(() => journal.WriteAsync(new AtomicWrite(Event("a", 2, 0))));
            await journal.WriteAsync(new AtomicWrite(Event("a", 3, 0)));
            await journal.WriteAsync(new AtomicWrite(Event("c", 1, 0)));
        }

        await using (var reopened = new PostgresJournal(settings))
        {
            Assert.Equal(3, await reopened.ReadHighestSequenceNrAsync("a"));
            Assert.Equal(5, await reopened.ReadHighestOffsetAsync());
        }

        await using var check = NpgsqlDataSource.Create(conn);
        await AssertSchema3Async(check, ["a:1:True", "b:1:False", "a:2:False", "a:3:False", "c:1:False"]);
    }

    /// <summary>The rows carry no id text; <c>journal_rows</c> shows every row with its id, in offset order.</summary>
    private static async Task AssertSchema3Async(NpgsqlDataSource check, string[] expectedRows)
    {
        await using NpgsqlCommand column = check.CreateCommand(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'journal' AND column_name = 'persistence_id'");
        Assert.Equal(0L, (long)(await column.ExecuteScalarAsync())!);
        await using NpgsqlCommand view = check.CreateCommand("SELECT persistence_id, sequence_nr, deleted FROM journal_rows ORDER BY ordering");
        var rows = new List<string>();
        await using NpgsqlDataReader r = await view.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            rows.Add($"{r.GetString(0)}:{r.GetInt64(1)}:{r.GetBoolean(2)}");
        }

        Assert.Equal(expectedRows, rows);
    }

    private static async Task InsertV2Async(NpgsqlDataSource dataSource, PersistentRepr e, bool deleted)
    {
        await using NpgsqlCommand cmd = dataSource.CreateCommand("""
            WITH id AS (INSERT INTO persistence_ids (persistence_id) VALUES ($1)
                        ON CONFLICT (persistence_id) DO UPDATE SET persistence_id = EXCLUDED.persistence_id RETURNING id)
            INSERT INTO journal (persistence_id, pid, sequence_nr, writer_epoch, manifest, schema_version, timestamp_ms, deleted, checksum, payload)
            SELECT $1, id.id, $2, $3, $4, $5, $6, $7, $8, $9 FROM id
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.PersistenceId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.SequenceNr });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.WriterEpoch });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Manifest });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = e.SchemaVersion });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.TimestampMs });
        cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = deleted });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.ComputeChecksum() });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = e.Payload });
        await cmd.ExecuteNonQueryAsync();
    }

    private static PersistentRepr Event(string pid, long seq, long epoch) =>
        new(pid, seq, "test.event", 1, Encoding.UTF8.GetBytes($"{pid}-{seq}"), seq, epoch);

    private static async Task InsertV1Async(NpgsqlDataSource dataSource, PersistentRepr e, bool deleted)
    {
        await using NpgsqlCommand cmd = dataSource.CreateCommand("""
            INSERT INTO journal (persistence_id, sequence_nr, writer_epoch, manifest, schema_version, timestamp_ms, deleted, checksum, payload)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.PersistenceId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.SequenceNr });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.WriterEpoch });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Manifest });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = e.SchemaVersion });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.TimestampMs });
        cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = deleted });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.ComputeChecksum() });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = e.Payload });
        await cmd.ExecuteNonQueryAsync();
    }
}
