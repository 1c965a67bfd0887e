using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Snapshots;
using Microsoft.Data.Sqlite;

namespace ActorRec.Persistence.Sqlite;

/// <summary>Snapshots in <c>snapshots.db</c> beside the journal (a separate file, so saves never wait on journal commits).</summary>
public sealed class SqliteSnapshotStore : ISnapshotStore
{
    private readonly string _connectionString;

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

    public async Task<SnapshotRecord?> LoadLatestAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        await using SqliteConnection conn = SqliteFiles.OpenReader(_connectionString);
        await using SqliteCommand cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT persistence_id, sequence_nr, timestamp_ms, manifest, schema_version, checksum, payload FROM snapshots
            WHERE persistence_id = $pid AND sequence_nr BETWEEN $minSeq AND $maxSeq AND timestamp_ms BETWEEN $minTs AND $maxTs
            ORDER BY sequence_nr DESC LIMIT 1
            """;
        Bind(cmd, persistenceId, criteria);
        using SqliteDataReader r = cmd.ExecuteReader();
        if (!r.Read())
        {
            return null;
        }

        var record = new SnapshotRecord(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetInt32(4), (byte[])r.GetValue(6));
        uint stored = unchecked((uint)r.GetInt64(5));
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
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
        return ValueTask.CompletedTask;
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
