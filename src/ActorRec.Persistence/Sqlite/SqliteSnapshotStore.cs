using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Snapshots;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ActorRec.Persistence.Sqlite;

/// <summary>Snapshots in <c>snapshots.db</c> beside the journal (a separate file, so saves never wait on journal commits).</summary>
/// <remarks>
/// Loads (one per entity recovery: thousands at start-up and on every activation) go through one reader connection
/// and one prepared statement kept for the store's lifetime, under a lock, instead of renting a pooled connection
/// and building a command, parameters and a reader per recovery. The statement is reset after each load, so the
/// connection holds no read transaction between loads and never holds back a WAL checkpoint.
/// </remarks>
public sealed class SqliteSnapshotStore : ISnapshotStore
{
    private const string LoadSql = """
        SELECT sequence_nr, timestamp_ms, manifest, schema_version, checksum, payload FROM snapshots
        WHERE persistence_id = ?1 AND sequence_nr BETWEEN ?2 AND ?3 AND timestamp_ms BETWEEN ?4 AND ?5
        ORDER BY sequence_nr DESC LIMIT 1
        """;

    private readonly string _connectionString;
    private readonly object _loadGate = new();
    private SqliteConnection? _loader;
    private sqlite3_stmt? _load;
    private bool _closed;

    public SqliteSnapshotStore(PersistenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        SQLitePCL.Batteries_V2.Init();
        Directory.CreateDirectory(settings.DataDir);
        FilePath = Path.Combine(settings.DataDir, "snapshots.db");
        _connectionString = SqliteFiles.ConnectionString(FilePath);
        using SqliteConnection conn = SqliteFiles.Open(_connectionString, settings.SqliteSynchronousFull);
        SqliteFiles.Execute(conn, """
            CREATE TABLE IF NOT EXISTS snapshots (
              persistence_id TEXT NOT NULL,
              sequence_nr INTEGER NOT NULL,
              timestamp_ms INTEGER NOT NULL,
              manifest TEXT NOT NULL,
              schema_version INTEGER NOT NULL,
              checksum INTEGER NOT NULL,
              payload BLOB NOT NULL,
              PRIMARY KEY (persistence_id, sequence_nr));
            """);
        Synchronous = settings.SqliteSynchronousFull ? "FULL" : "NORMAL";
    }

    public string FilePath { get; }

    private string Synchronous { get; }

    public async Task SaveAsync(SnapshotRecord snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await using SqliteConnection conn = SqliteFiles.OpenReader(_connectionString);
        await using SqliteCommand cmd = conn.CreateCommand();
        cmd.CommandText = $"""
            PRAGMA synchronous = {Synchronous};
            INSERT OR REPLACE INTO snapshots (persistence_id, sequence_nr, timestamp_ms, manifest, schema_version, checksum, payload)
            VALUES ($pid, $seq, $ts, $manifest, $version, $crc, $payload)
            """;
        cmd.Parameters.AddWithValue("$pid", snapshot.PersistenceId);
        cmd.Parameters.AddWithValue("$seq", snapshot.SequenceNr);
        cmd.Parameters.AddWithValue("$ts", snapshot.TimestampMs);
        cmd.Parameters.AddWithValue("$manifest", snapshot.Manifest);
        cmd.Parameters.AddWithValue("$version", snapshot.SchemaVersion);
        cmd.Parameters.AddWithValue("$crc", (long)snapshot.ComputeChecksum());
        cmd.Parameters.AddWithValue("$payload", snapshot.Payload);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<SnapshotRecord?> LoadLatestAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<SnapshotRecord?>(cancellationToken);
        }

        try
        {
            return Task.FromResult(Load(persistenceId, criteria));
        }
        catch (Exception ex) when (ex is SqliteException or JournalCorruptionException or ObjectDisposedException)
        {
            return Task.FromException<SnapshotRecord?>(ex);
        }
    }

    /// <summary>The latest matching snapshot through the kept statement (null when none); throws on a checksum mismatch.</summary>
    private SnapshotRecord? Load(string persistenceId, SnapshotSelectionCriteria criteria)
    {
        SnapshotRecord record;
        uint stored;
        lock (_loadGate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            sqlite3_stmt stmt = _load ?? PrepareLoad();
            try
            {
                raw.sqlite3_bind_text(stmt, 1, persistenceId);
                raw.sqlite3_bind_int64(stmt, 2, criteria.MinSequenceNr);
                raw.sqlite3_bind_int64(stmt, 3, criteria.MaxSequenceNr);
                raw.sqlite3_bind_int64(stmt, 4, criteria.MinTimestampMs);
                raw.sqlite3_bind_int64(stmt, 5, criteria.MaxTimestampMs);
                int rc = raw.sqlite3_step(stmt);
                if (rc == raw.SQLITE_DONE)
                {
                    return null;
                }

                if (rc != raw.SQLITE_ROW)
                {
                    throw new SqliteException(raw.sqlite3_errmsg(_loader!.Handle).utf8_to_string(), rc);
                }

                record = new SnapshotRecord(persistenceId, raw.sqlite3_column_int64(stmt, 0), raw.sqlite3_column_int64(stmt, 1),
                    raw.sqlite3_column_text(stmt, 2).utf8_to_string(), raw.sqlite3_column_int(stmt, 3), raw.sqlite3_column_blob(stmt, 5).ToArray());
                stored = unchecked((uint)raw.sqlite3_column_int64(stmt, 4));
            }
            finally
            {
                raw.sqlite3_reset(stmt);
            }
        }

        uint computed = record.ComputeChecksum();
        return stored == computed ? record : throw new JournalCorruptionException(record.PersistenceId, record.SequenceNr, stored, computed);
    }

    public async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        await using SqliteConnection conn = SqliteFiles.OpenReader(_connectionString);
        await using SqliteCommand cmd = conn.CreateCommand();
        cmd.CommandText = """
            DELETE FROM snapshots
            WHERE persistence_id = $pid AND sequence_nr BETWEEN $minSeq AND $maxSeq AND timestamp_ms BETWEEN $minTs AND $maxTs
            """;
        Bind(cmd, persistenceId, criteria);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        lock (_loadGate)
        {
            _closed = true;
            _load?.Dispose();
            _load = null;
            _loader?.Dispose();
            _loader = null;
        }

        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
        return ValueTask.CompletedTask;
    }

    /// <summary>Opens the loader connection and prepares the load statement (under the load lock, on first use).</summary>
    private sqlite3_stmt PrepareLoad()
    {
        var conn = SqliteFiles.OpenReader(_connectionString);
        if (raw.sqlite3_prepare_v2(conn.Handle, LoadSql, out sqlite3_stmt stmt) != raw.SQLITE_OK)
        {
            var message = raw.sqlite3_errmsg(conn.Handle).utf8_to_string();
            conn.Dispose();
            throw new InvalidOperationException($"Preparing the snapshot load of '{FilePath}' failed: {message}");
        }

        _loader = conn;
        _load = stmt;
        return stmt;
    }

    private static void Bind(SqliteCommand cmd, string persistenceId, SnapshotSelectionCriteria c)
    {
        cmd.Parameters.AddWithValue("$pid", persistenceId);
        cmd.Parameters.AddWithValue("$minSeq", c.MinSequenceNr);
        cmd.Parameters.AddWithValue("$maxSeq", c.MaxSequenceNr);
        cmd.Parameters.AddWithValue("$minTs", c.MinTimestampMs);
        cmd.Parameters.AddWithValue("$maxTs", c.MaxTimestampMs);
    }
}
