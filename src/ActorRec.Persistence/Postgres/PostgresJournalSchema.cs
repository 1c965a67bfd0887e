namespace ActorRec.Persistence.Postgres;

/// <summary>
/// The PostgreSQL journal's tables (schema 2) and the in-place migration from schema 1.
/// </summary>
/// <remarks>
/// Schema 2 numbers each persistence id once (<c>persistence_ids</c>) and keys the journal's unique index on integers,
/// <c>journal_pid_seq UNIQUE (pid, sequence_nr)</c>, instead of on the id text: every group-commit batch inserts
/// thousands of rows of thousands of ids into that index, and a raw server-side insert of bench-shaped rows ran ~1.37×
/// faster with the integer key (README, session 4). Rows keep the <c>persistence_id</c> text, so operators' SQL on
/// <c>journal</c> by id keeps working. A schema-1 database (a <c>journal</c> table without <c>pid</c>) is migrated in
/// one transaction when a journal opens it: ids numbered, <c>pid</c> filled, the unique index rebuilt on integers;
/// offsets, checksums, deletes and epochs are kept. The whole script holds a transaction-scoped advisory lock, so two
/// journals opening one database at once (two nodes) create or migrate it once.
/// </remarks>
internal static class PostgresJournalSchema
{
    /// <summary>Creates schema 2, or migrates schema 1 to it; idempotent; one statement, hence one transaction.</summary>
    public const string Ddl = """
        DO $$ BEGIN
          PERFORM pg_advisory_xact_lock(7321410912);
          IF to_regclass('journal') IS NULL THEN
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
          END IF;
          IF to_regclass('persistence_ids') IS NULL THEN
            CREATE TABLE persistence_ids (
              id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              persistence_id TEXT NOT NULL CONSTRAINT persistence_ids_text UNIQUE);
          END IF;
          IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                         WHERE table_schema = current_schema() AND table_name = 'journal' AND column_name = 'pid') THEN
            INSERT INTO persistence_ids (persistence_id)
              SELECT DISTINCT persistence_id FROM journal ORDER BY 1 ON CONFLICT DO NOTHING;
            ALTER TABLE journal ADD COLUMN pid BIGINT;
            UPDATE journal j SET pid = p.id FROM persistence_ids p WHERE p.persistence_id = j.persistence_id;
            ALTER TABLE journal ALTER COLUMN pid SET NOT NULL;
            ALTER TABLE journal DROP CONSTRAINT journal_pid_seq;
            ALTER TABLE journal ADD CONSTRAINT journal_pid_seq UNIQUE (pid, sequence_nr);
          END IF;
          IF to_regclass('journal_fences') IS NULL THEN
            CREATE TABLE journal_fences (fence_key TEXT PRIMARY KEY, epoch BIGINT NOT NULL);
            INSERT INTO journal_fences (fence_key, epoch)
              SELECT persistence_id, MAX(writer_epoch) FROM journal GROUP BY persistence_id HAVING MAX(writer_epoch) > 0;
          END IF;
        END $$;
        """;
}
