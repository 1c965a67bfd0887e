using Microsoft.Data.Sqlite;

namespace ActorRec.Persistence.Sqlite;

/// <summary>
/// Schema of <c>journal.db</c> and its migrations, versioned with <c>PRAGMA user_version</c>.
/// </summary>
/// <remarks>
/// <para><b>Version 2</b> (current) keys the uniqueness index by a small integer per persistence id:
/// <c>persistence_ids(id, persistence_id)</c> numbers each id string once, every <c>journal</c> row carries that number
/// in <c>pid</c>, and UNIQUE (pid, sequence_nr) holds a few bytes per entry instead of the id string. With thousands of
/// ids per group commit the inserts spread over that index and each touched page is written to the WAL at commit: a
/// ~3× smaller index is ~3× fewer pages per commit. The rows keep their <c>persistence_id</c> column (the table is
/// appended at its right edge, so the string costs bytes, not pages), so operators' SQL on <c>journal</c> still works.
/// <c>writer_fences(fence_key, epoch)</c> holds the highest writer epoch per fence key.</para>
/// <para><b>Version 1</b> (no <c>pid</c> column, UNIQUE (persistence_id, sequence_nr)) is migrated in place, in one
/// transaction, when the file is opened: ids are numbered, rows get their number (offsets, checksums and deleted flags
/// unchanged), the index is rebuilt on (pid, sequence_nr), and the highest epoch of each id becomes its fence. A file
/// from a newer version, or a database that is not a journal, is refused with a message naming it.</para>
/// </remarks>
internal static class SqliteJournalSchema
{
    public const int Version = 2;

    private const string CreateIdTables = """
        CREATE TABLE persistence_ids (
          id INTEGER PRIMARY KEY,
          persistence_id TEXT NOT NULL UNIQUE);
        CREATE TABLE writer_fences (
          fence_key TEXT PRIMARY KEY,
          epoch INTEGER NOT NULL) WITHOUT ROWID;
        """;

    private const string CreateV2 = CreateIdTables + """
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
          payload BLOB NOT NULL,
          pid INTEGER NOT NULL);
        CREATE UNIQUE INDEX journal_pid_seq_v2 ON journal (pid, sequence_nr);
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
        Execute(conn, tx, CreateIdTables + """
            ALTER TABLE journal ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
            INSERT INTO persistence_ids (persistence_id)
              SELECT DISTINCT persistence_id FROM journal ORDER BY persistence_id;
            UPDATE journal SET pid = (SELECT p.id FROM persistence_ids p WHERE p.persistence_id = journal.persistence_id);
            INSERT INTO writer_fences (fence_key, epoch)
              SELECT persistence_id, MAX(writer_epoch) FROM journal GROUP BY persistence_id HAVING MAX(writer_epoch) > 0;
            DROP INDEX IF EXISTS journal_pid_seq;
            CREATE UNIQUE INDEX journal_pid_seq_v2 ON journal (pid, sequence_nr);
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
