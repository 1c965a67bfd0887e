using ActorRec.Persistence.InMemory;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Postgres;
using ActorRec.Persistence.Snapshots;
using ActorRec.Persistence.Sqlite;
using ActorRec.Persistence.Tests.Tck;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorRec.Persistence.Tests.Journals;

public sealed class InMemoryJournalSpec : JournalSpec
{
    protected override Task<JournalBase> CreateJournalAsync() =>
        Task.FromResult<JournalBase>(new InMemoryJournal(TestSettings(PersistencePlugin.InMemory)));

    protected override Task TamperAsync(string persistenceId, long sequenceNr, byte[] payload)
    {
        ((InMemoryJournal)Journal).Tamper(persistenceId, sequenceNr, payload);
        return Task.CompletedTask;
    }
}

public sealed class SqliteJournalSpec : JournalSpec, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override Task<JournalBase> CreateJournalAsync() =>
        Task.FromResult<JournalBase>(new SqliteJournal(TestSettings(PersistencePlugin.Sqlite, _dir.Path)));

    protected override async Task TamperAsync(string persistenceId, long sequenceNr, byte[] payload)
    {
        await using var conn = new SqliteConnection($"Data Source={((SqliteJournal)Journal).FilePath};Pooling=false");
        await conn.OpenAsync();
        await using SqliteCommand cmd = conn.CreateCommand();
        cmd.CommandText = "UPDATE journal SET payload = $p WHERE persistence_id = $pid AND sequence_nr = $seq";
        cmd.Parameters.AddWithValue("$p", payload);
        cmd.Parameters.AddWithValue("$pid", persistenceId);
        cmd.Parameters.AddWithValue("$seq", sequenceNr);
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }

    [Fact]
    public void A_second_journal_on_the_same_directory_is_refused()
    {
        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(
            () => new SqliteJournal(TestSettings(PersistencePlugin.Sqlite, _dir.Path)));
        Assert.Contains("another process", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_journal_file_uses_8_KiB_pages_in_WAL_mode()
    {
        await using var conn = new SqliteConnection($"Data Source={((SqliteJournal)Journal).FilePath};Pooling=false");
        await conn.OpenAsync();
        await using SqliteCommand cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA page_size";
        Assert.Equal(8192L, await cmd.ExecuteScalarAsync());
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await cmd.ExecuteScalarAsync());
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresJournalSpec(PostgresServer server) : JournalSpec
{
    private string _connectionString = string.Empty;

    protected override async Task<JournalBase> CreateJournalAsync()
    {
        _connectionString = await server.NewDatabaseAsync();
        return new PostgresJournal(TestSettings(PersistencePlugin.Postgres, connectionString: _connectionString));
    }

    protected override async Task TamperAsync(string persistenceId, long sequenceNr, byte[] payload)
    {
        await using var conn = new NpgsqlConnection(_connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "UPDATE journal SET payload = $1 WHERE pid = (SELECT id FROM persistence_ids WHERE persistence_id = $2) AND sequence_nr = $3", conn);
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequenceNr });
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }
}

public sealed class InMemorySnapshotStoreSpec : SnapshotStoreSpec
{
    protected override Task<ISnapshotStore> CreateStoreAsync() => Task.FromResult<ISnapshotStore>(new InMemorySnapshotStore());
}

public sealed class SqliteSnapshotStoreSpec : SnapshotStoreSpec, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override Task<ISnapshotStore> CreateStoreAsync() =>
        Task.FromResult<ISnapshotStore>(new SqliteSnapshotStore(PersistenceSettings.Default with { DataDir = _dir.Path }));
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSnapshotStoreSpec(PostgresServer server) : SnapshotStoreSpec
{
    protected override async Task<ISnapshotStore> CreateStoreAsync() =>
        new PostgresSnapshotStore(PersistenceSettings.Default with
        {
            Plugin = PersistencePlugin.Postgres,
            ConnectionString = await server.NewDatabaseAsync(),
        });
}
