using ActorRec.Actors.TestKit;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Postgres;
using Npgsql;

namespace ActorRec.Persistence.Tests.Journals;

/// <summary>
/// Identity offsets are not commit order across transactions: the live all-events query must not move past a hole
/// that a still-running transaction will fill, and must skip a hole left by a rolled-back one after gap-timeout.
/// Holes are made with OVERRIDING SYSTEM VALUE inserts; time is virtual.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresLiveQueryTests(PostgresServer server) : IAsyncLifetime
{
    private readonly VirtualTimeProvider _time = new();
    private string _connectionString = string.Empty;
    private PostgresJournal _journal = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await server.NewDatabaseAsync();
        _journal = new PostgresJournal(PersistenceSettings.Default with
        {
            Plugin = PersistencePlugin.Postgres,
            ConnectionString = _connectionString,
            LivePollInterval = TimeSpan.FromSeconds(1),
            GapTimeout = TimeSpan.FromSeconds(10),
        }, _time);
    }

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    [Fact]
    public async Task A_hole_is_waited_for_then_delivered_in_order_and_a_permanent_hole_is_skipped_after_the_timeout()
    {
        await InsertAsync(1, "a", 1);
        await InsertAsync(2, "a", 2);
        await InsertAsync(4, "b", 1);
        await InsertAsync(7, "c", 1);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using IAsyncEnumerator<PersistentRepr> live = _journal.AllEventsAsync(0, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await live.MoveNextAsync());
        Assert.True(await live.MoveNextAsync());
        Assert.Equal(2, live.Current.Ordering);

        ValueTask<bool> next = live.MoveNextAsync();
        await WaitForTimerAsync();
        Assert.False(next.IsCompleted);

        await InsertAsync(3, "d", 1); // the "in-flight transaction" commits: the hole at 3 fills
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await next);
        Assert.Equal(3, live.Current.Ordering);
        Assert.True(await live.MoveNextAsync());
        Assert.Equal(4, live.Current.Ordering);

        next = live.MoveNextAsync(); // 5 and 6 never come (rolled back): wait gap-timeout, then skip
        await WaitForTimerAsync();
        Assert.False(next.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(5));
        await WaitForTimerAsync();
        Assert.False(next.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.True(await next);
        Assert.Equal((7L, "c"), (live.Current.Ordering, live.Current.PersistenceId));
    }

    private async Task WaitForTimerAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (_time.ActiveTimers == 0)
        {
            await Task.Yield();
            cts.Token.ThrowIfCancellationRequested();
        }
    }

    private async Task InsertAsync(long ordering, string pid, long sequenceNr)
    {
        var e = new PersistentRepr(pid, sequenceNr, "m", 1, [(byte)ordering], 0);

        await using var conn = new NpgsqlConnection(_connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            WITH id AS (INSERT INTO persistence_ids (persistence_id) VALUES ($2)
                        ON CONFLICT (persistence_id) DO UPDATE SET persistence_id = EXCLUDED.persistence_id RETURNING id)
            INSERT INTO journal (ordering, pid, sequence_nr, writer_epoch, manifest, schema_version, timestamp_ms, checksum, payload)
            OVERRIDING SYSTEM VALUE SELECT $1, id.id, $3, 0, $4, 1, 0, $5, $6 FROM id
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ordering });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.PersistenceId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.SequenceNr });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Manifest });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.ComputeChecksum() });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = e.Payload });
        await cmd.ExecuteNonQueryAsync();
    }
}
