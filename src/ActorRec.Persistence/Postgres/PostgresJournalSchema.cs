namespace ActorRec.Persistence.Postgres;

/// <summary>
/// The PostgreSQL journal's tables (schema 3) and the in-place migrations from schemas 1 and 2.
/// </summary>
/// <remarks>
/// <para>Schema 2 numbered each persistence id once (<c>persistence_ids</c>) and keyed the journal's unique index on
/// integers, <c>journal_pid_seq UNIQUE (pid, sequence_nr)</c>, instead of on the id text: every group-commit batch
/// inserts thousands of rows of thousands of ids into that index, and a raw server-side insert of bench-shaped rows
/// ran ~1.37× faster with the integer key (README, session 4).</para>
/// <para>Schema 3 drops the id text from the rows as well: a row carries only <c>pid</c>, so the client no longer
/// encodes and sends the id with every event and the server no longer parses and stores it (rows ~25 B narrower).
/// Reads by id go through the number; reads by offset join <c>persistence_ids</c> back. Operators' SQL by id uses
/// the view <c>journal_rows</c> (every journal column plus <c>persistence_id</c>).</para>
/// <para>A schema-1 database (a <c>journal</c> without <c>pid</c>) is migrated in one transaction when a journal opens
/// it: ids numbered, <c>pid</c> filled, the unique index rebuilt on integers, then (like a schema-2 database) the
/// text column dropped (<c>DROP COLUMN</c> only marks it dropped: instant, old rows are not rewritten). Offsets,
/// checksums (which cover the id text, kept in <c>persistence_ids</c>), deletes and epochs are kept. The whole
/// script holds a transaction-scoped advisory lock, so two journals opening one database at once (two nodes) create
/// or migrate it once.</para>
/// <para>The function <c>journal_fence_batch</c> (created or replaced at every open; no table changes) checks and raises
/// the fences of an optimistic group commit in the round trip that carries its COMMIT (see
/// <c>PostgresJournal.FastCommit.cs</c>).</para>
/// </remarks>
internal static class PostgresJournalSchema
{
    /// <summary>Creates schema 3, or migrates schema 1 or 2 to it; idempotent; one statement, hence one transaction.</summary>
    public const string Ddl = """
        DO $$ BEGIN
          PERFORM pg_advisory_xact_lock(7321410912);
          IF to_regclass('journal') IS NULL THEN
            CREATE TABLE journal (
              ordering BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
              SELECT p.persistence_id, MAX(j.writer_epoch) FROM journal j JOIN persistence_ids p ON p.id = j.pid
              GROUP BY p.persistence_id HAVING MAX(j.writer_epoch) > 0;
          END IF;
          IF EXISTS (SELECT 1 FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = 'journal' AND column_name = 'persistence_id') THEN
            DROP VIEW IF EXISTS journal_rows;
            ALTER TABLE journal DROP COLUMN persistence_id;
          END IF;
          IF to_regclass('journal_rows') IS NULL THEN
            CREATE VIEW journal_rows AS
              SELECT j.ordering, p.persistence_id, j.pid, j.sequence_nr, j.writer_epoch, j.manifest, j.schema_version,
                     j.timestamp_ms, j.deleted, j.checksum, j.payload
              FROM journal j JOIN persistence_ids p ON p.id = j.pid;
          END IF;
          DROP FUNCTION IF EXISTS journal_fence_batch(TEXT[], BIGINT[], BIGINT[]);
          CREATE OR REPLACE FUNCTION journal_fence_batch(keys TEXT[], low BIGINT[], raise_keys TEXT[], raise_epochs BIGINT[])
          RETURNS VOID LANGUAGE plpgsql AS $f$
          DECLARE
            overtaken BIGINT;
          BEGIN
            PERFORM 1 FROM journal_fences WHERE fence_key = ANY(keys) ORDER BY fence_key FOR UPDATE;
            IF FOUND AND EXISTS (SELECT 1 FROM unnest(keys, low) AS u(k, e) JOIN journal_fences f ON f.fence_key = u.k
                                 WHERE f.epoch > u.e) THEN
              RAISE EXCEPTION 'a write of this batch carries an epoch below its fence' USING ERRCODE = 'ARJ01';
            END IF;
            IF cardinality(raise_keys) > 0 THEN
              WITH up AS (
                INSERT INTO journal_fences (fence_key, epoch)
                  SELECT u.k, u.e FROM unnest(raise_keys, raise_epochs) AS u(k, e) LEFT JOIN journal_fences f ON f.fence_key = u.k
                  WHERE u.e > COALESCE(f.epoch, 0) ORDER BY u.k
                ON CONFLICT (fence_key) DO UPDATE SET epoch = GREATEST(journal_fences.epoch, EXCLUDED.epoch)
                RETURNING fence_key, epoch)
              SELECT count(*) INTO overtaken FROM up JOIN unnest(raise_keys, raise_epochs) AS u(k, e) ON up.fence_key = u.k
              WHERE up.epoch > u.e;
              IF overtaken > 0 THEN
                RAISE EXCEPTION 'a fence key of this batch was raised by another writer meanwhile' USING ERRCODE = 'ARJ01';
              END IF;
            END IF;
          END $f$;
        END $$;
        """;
}
