using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Postgres;
using Npgsql;

namespace ActorRec.Persistence.Tests.Journals;

/// <summary>
/// The hand-encoded binary COPY of the PostgreSQL journal (<c>PostgresCopyRows</c>) and the order it sends a batch in
/// (by id number, one id's writes in batch order), checked against what the server stored.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCopyTests(PostgresServer server) : IAsyncLifetime
{
    private PostgresJournal _journal = null!;

    public async Task InitializeAsync() => _journal = new PostgresJournal(PersistenceSettings.Default with
    {
        Plugin = PersistencePlugin.Postgres,
        ConnectionString = await server.NewDatabaseAsync(),
    });

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    [Fact]
    public async Task Every_field_round_trips_including_a_non_ascii_manifest_and_payloads_larger_than_the_copy_buffer()
    {
        byte[] large = new byte[100_000];
        new Random(7).NextBytes(large);
        var written = new[]
        {
            new PersistentRepr("p-é", 1, "manifest.ünïcode.✓", 3, [1, 2, 3], 1_763_770_000_123, WriterEpoch: 5),
            new PersistentRepr("p-é", 2, "m", int.MaxValue, large, long.MaxValue, WriterEpoch: 5),
            new PersistentRepr("p-é", 3, "m", 0, [], 0, WriterEpoch: 5),
        };
        Assert.All(await _journal.WriteBatchAsync([new AtomicWrite(written)]), Assert.Null);

        var read = new List<PersistentRepr>();
        await foreach (PersistentRepr e in _journal.CurrentEventsByPersistenceIdAsync("p-é", 1, long.MaxValue))
        {
            read.Add(e); // the journal verifies each row's checksum as it reads it
        }

        Assert.Equal(written.Length, read.Count);
        for (int i = 0; i < written.Length; i++)
        {
            Assert.Equal((written[i].SequenceNr, written[i].Manifest, written[i].SchemaVersion, written[i].TimestampMs, written[i].WriterEpoch),
                (read[i].SequenceNr, read[i].Manifest, read[i].SchemaVersion, read[i].TimestampMs, read[i].WriterEpoch));
            Assert.Equal(written[i].Payload, read[i].Payload);
            Assert.Equal(written[i].ComputeChecksum(), read[i].Checksum);
        }
    }

    [Fact]
    public async Task A_batch_is_stored_in_id_number_order_and_one_ids_writes_keep_their_order()
    {
        // Number the ids z, y, x (in that order) with a first write each; then one batch sends them x, y, z with two
        // writes of x: offsets must follow the id numbers (z, y, x) and x's two writes their batch order.
        foreach (string id in new[] { "z", "y", "x" })
        {
            await _journal.WriteAsync(new AtomicWrite(Event(id, 1)));
        }

        Task[] batch =
        [
            _journal.WriteAsync(new AtomicWrite(Event("x", 2))),
            _journal.WriteAsync(new AtomicWrite(Event("y", 2))),
            _journal.WriteAsync(new AtomicWrite([Event("x", 3), Event("x", 4)])),
            _journal.WriteAsync(new AtomicWrite(Event("z", 2))),
        ];
        await Task.WhenAll(batch);

        var order = new List<string>();
        await foreach (PersistentRepr e in _journal.CurrentAllEventsAsync(0))
        {
            order.Add($"{e.PersistenceId}{e.SequenceNr}");
        }

        Assert.Equal(["z1", "y1", "x1"], order[..3]);

        // Whether the four writes formed one batch or several, each id's events are in sequence order; when they
        // formed one (the usual case: queued before the writer woke), the ids come in number order.
        List<string> rest = order[3..];
        Assert.Equal(5, rest.Count);
        Assert.True(rest.IndexOf("x2") < rest.IndexOf("x3") && rest.IndexOf("x3") < rest.IndexOf("x4"), string.Join(",", rest));
        if (_journal.CommitCount == 4)
        {
            Assert.Equal(["z2", "y2", "x2", "x3", "x4"], rest);
        }
    }

    [Fact]
    public async Task The_read_gate_leaves_the_writers_connections_free_and_makes_extra_reads_wait_instead_of_failing()
    {
        using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Username=u;Database=d;Maximum Pool Size=5");
        var gate = new PostgresGate(dataSource, reserved: 3);
        Assert.Equal(2, gate.Permits);

        PostgresGate.Permit first = await gate.EnterAsync(CancellationToken.None);
        PostgresGate.Permit second = await gate.EnterAsync(CancellationToken.None);
        ValueTask<PostgresGate.Permit> third = gate.EnterAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        first.Dispose();
        using (await third.AsTask().WaitAsync(TimeSpan.FromSeconds(30)))
        {
            second.Dispose();
        }

        using var small = NpgsqlDataSource.Create("Host=127.0.0.1;Username=u;Database=d;Maximum Pool Size=2");
        Assert.Equal(1, new PostgresGate(small, reserved: 3).Permits);
    }

    private static PersistentRepr Event(string id, long seq) => new(id, seq, "m", 1, [(byte)seq], 0);
}
