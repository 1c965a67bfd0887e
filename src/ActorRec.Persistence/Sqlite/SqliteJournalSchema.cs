using Microsoft.Data.Sqlite;

namespace ActorRec.Persistence.Sqlite;

/// <summary>
/// Schema of <c>journal.db</c> and its migrations, versioned with <c>PRAGMA user_version</c>.
/// </summary>
/// <remarks>
/// <para><b>Version 2</b> (current) keys rows by a small integer per persistence id: <c>persistence_ids(id, persistence_id)</c>
/// maps each id string once, and <c>events</c> stores <c>pid</c> as that integer, so the UNIQUE (pid, sequence_nr)
/// index holds a few bytes per entry instead of the id string. With thousands of ids per group commit the inserts
/// spread over that index and each touched page is written to the WAL at commit: a ~3× smaller index is ~3× fewer
/// pages per commit. <c>writer_fences(fence_key, epoch)</c> holds the highest writer epoch per fence key.</para>
/// <para>A view <c>journal</c> shows the rows with their id strings (the version-1 column layout), with INSTEAD OF
/// UPDATE/DELETE triggers, so operators and tests that read or repair rows by <c>persistence_id</c> keep working.</para>
/// <para><b>Version 1</b> (a <c>journal</c> table with the id string in every row) is migrated in place, in one
/// transaction, when the file is opened: ids are numbered, rows are copied with their ordering offsets, checksums and
/// deleted flags unchanged, and the highest epoch of each id becomes its fence. A file from a newer version is refused
/// with a message naming both versions.</para>
/// </remarks>
internal static class SqliteJournalSchema
{
    public const int Version = 2;

    private const string CreateV2 = """
        CREATE TABLE persistence_ids (
          id INTEGER PRIMARY KEY,
          persistence_id TEXT NOT NULL UNIQUE);
        CREATE TABLE events (
          ordering INTEGER PRIMARY KEY,
          pid INTEGER NOT NULL,
          sequence_nr INTEGER NOT NULL,
          writer_epoch INTEGER NOT NULL DEFAULT 0,
          manifest TEXT NOT NULL,
          schema_version INTEGER NOT NULL,
          timestamp_ms INTEGER NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0,
          checksum INTEGER NOT NULL,
          payload BLOB NOT NULL);
        CREATE UNIQUE INDEX events_pid_seq ON events (pid, sequence_nr);
        CREATE TABLE writer_fences (
          fence_key TEXT PRIMARY KEY,
          epoch INTEGER NOT NULL) WITHOUT ROWID;
        CREATE VIEW journal AS
          SELECT e.ordering, p.persistence_id, e.sequence_nr, e.writer_epoch, e.manifest, e.schema_version,
                 e.timestamp_ms, e.deleted, e.checksum, e.payload
          FROM events e JOIN persistence_ids p ON p.id = e.pid;
        CREATE TRIGGER journal_update INSTEAD OF UPDATE ON journal BEGIN
          UPDATE events SET writer_epoch = NEW.writer_epoch, manifest = NEW.manifest, schema_version = NEW.schema_version,
            timestamp_ms = NEW.timestamp_ms, deleted = NEW.deleted, checksum = NEW.checksum, payload = NEW.payload
          WHERE ordering = OLD.ordering;
        END;
        CREATE TRIGGER journal_delete INSTEAD OF DELETE ON journal BEGIN
          DELETE FROM events WHERE ordering = OLD.ordering;
        END;
        """;

    /// <summary>Creates the current schema in an empty file or migrates an older one; throws naming the file otherwise.</summary>
    public static void EnsureCurrent(SqliteConnection conn, string filePath)
    {
        long version = Scalar(conn, "PRAGMA user_version");
        if (version == Version)
        {
            return;
        }

        if (version > Version)
        {
            throw new InvalidOperationException(
                $"The SQLite journal '{filePath}' has schema version {version}, newer than this build understands ({Version}); " +
                "open it with the version that wrote it.");
        }

        bool hasV1Table = Scalar(conn, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'journal'") == 1;
        bool empty = Scalar(conn, "SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") == 0;
        if (!hasV1Table && !empty)
        {
            throw new InvalidOperationException(
                $"'{filePath}' is not an ActorRec journal (schema version {version}, no journal table); refusing to change it.");
        }

        using SqliteTransaction tx = conn.BeginTransaction();
        try
        {
            if (hasV1Table)
            {
                MigrateFromV1(conn, tx);
            }
            else
            {
                Execute(conn, tx, CreateV2);
            }

            Execute(conn, tx, $"PRAGMA user_version = {Version}");
            tx.Commit();
        }
        catch (SqliteException ex)
        {
            tx.Rollback();
            throw new InvalidOperationException(
                $"Migrating the SQLite journal '{filePath}' from schema version {version} to {Version} failed (nothing was changed): {ex.Message}", ex);
        }
    }

    private static void MigrateFromV1(SqliteConnection conn, SqliteTransaction tx)
    {
        Execute(conn, tx, "ALTER TABLE journal RENAME TO journal_v1");
        Execute(conn, tx, CreateV2);
        Execute(conn, tx, """
            INSERT INTO persistence_ids (persistence_id)
              SELECT DISTINCT persistence_id FROM journal_v1 ORDER BY persistence_id;
            INSERT INTO events (ordering, pid, sequence_nr, writer_epoch, manifest, schema_version, timestamp_ms, deleted, checksum, payload)
              SELECT j.ordering, p.id, j.sequence_nr, j.writer_epoch, j.manifest, j.schema_version, j.timestamp_ms, j.deleted, j.checksum, j.payload
              FROM journal_v1 j JOIN persistence_ids p ON p.persistence_id = j.persistence_id
              ORDER BY j.ordering;
            INSERT INTO writer_fences (fence_key, epoch)
              SELECT persistence_id, MAX(writer_epoch) FROM journal_v1 GROUP BY persistence_id HAVING MAX(writer_epoch) > 0;
            DROP TABLE journal_v1;
            """);
    }

    private static long Scalar(SqliteConnection conn, string sql)
    {
        using SqliteCommand cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection conn, SqliteTransaction tx, string sql)
    {
        using SqliteCommand cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
