using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Snapshots;
using Npgsql;

namespace ActorRec.Persistence.Postgres;

/// <summary>Snapshots in a PostgreSQL table keyed by (persistence_id, sequence_nr), with a checksum per row.</summary>
public sealed class PostgresSnapshotStore : ISnapshotStore
{
    private const string Where =
        "persistence_id = $1 AND sequence_nr BETWEEN $2 AND $3 AND timestamp_ms BETWEEN $4 AND $5";

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Bounds the statements holding a connection, so a burst of recoveries waits here instead of timing out
    /// in the pool (see <see cref="PostgresGate"/>).</summary>
    private readonly PostgresGate _gate;

    public PostgresSnapshotStore(PersistenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            throw new ArgumentException($"{PersistenceSettings.Section}.postgres.connection-string is required for the PostgreSQL snapshot store.", nameof(settings));
        }

        _dataSource = PostgresDataSource.Create(settings.ConnectionString);
        _gate = new PostgresGate(_dataSource, reserved: 0);
        // One DO block is one transaction; the advisory lock (the journal schema's key + 1) makes nodes that open one
        // database at once create the table once: concurrent CREATE TABLE IF NOT EXISTS can still collide in pg_type.
        using NpgsqlCommand cmd = _dataSource.CreateCommand("""
            DO $$ BEGIN
            PERFORM pg_advisory_xact_lock(7321410913);
            CREATE TABLE IF NOT EXISTS snapshots (
              persistence_id TEXT NOT NULL,
              sequence_nr BIGINT NOT NULL,
              timestamp_ms BIGINT NOT NULL,
              manifest TEXT NOT NULL,
              schema_version INT NOT NULL,
              checksum BIGINT NOT NULL,
              payload BYTEA NOT NULL,
              PRIMARY KEY (persistence_id, sequence_nr));
            END $$;
            """);
        cmd.ExecuteNonQuery();
    }

    public async Task SaveAsync(SnapshotRecord snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using PostgresGate.Permit permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlCommand cmd = _dataSource.CreateCommand("""
            INSERT INTO snapshots (persistence_id, sequence_nr, timestamp_ms, manifest, schema_version, checksum, payload)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (persistence_id, sequence_nr) DO UPDATE SET timestamp_ms = EXCLUDED.timestamp_ms, manifest = EXCLUDED.manifest,
              schema_version = EXCLUDED.schema_version, checksum = EXCLUDED.checksum, payload = EXCLUDED.payload
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.PersistenceId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.SequenceNr });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.TimestampMs });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.Manifest });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = snapshot.SchemaVersion });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.ComputeChecksum() });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = snapshot.Payload });
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<SnapshotRecord?> LoadLatestAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        using PostgresGate.Permit permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlCommand cmd = _dataSource.CreateCommand(
            $"SELECT persistence_id, sequence_nr, timestamp_ms, manifest, schema_version, checksum, payload FROM snapshots WHERE {Where} ORDER BY sequence_nr DESC LIMIT 1");
        Bind(cmd, persistenceId, criteria);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var record = new SnapshotRecord(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetInt32(4), r.GetFieldValue<byte[]>(6));
        uint stored = unchecked((uint)r.GetInt64(5));
        uint computed = record.ComputeChecksum();
        return stored == computed ? record : throw new JournalCorruptionException(record.PersistenceId, record.SequenceNr, stored, computed);
    }

    public async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        using PostgresGate.Permit permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlCommand cmd = _dataSource.CreateCommand($"DELETE FROM snapshots WHERE {Where}");
        Bind(cmd, persistenceId, criteria);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static void Bind(NpgsqlCommand cmd, string persistenceId, SnapshotSelectionCriteria c)
    {
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = c.MinSequenceNr });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = c.MaxSequenceNr });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = c.MinTimestampMs });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = c.MaxTimestampMs });
    }
}
