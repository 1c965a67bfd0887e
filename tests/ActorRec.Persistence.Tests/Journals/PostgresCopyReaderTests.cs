using System.Buffers.Binary;
using System.Text;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Postgres;

namespace ActorRec.Persistence.Tests.Journals;

/// <summary>
/// The decoder of the PostgreSQL journal's binary COPY reads (<c>PostgresCopyReader</c>), fed hand-encoded COPY data
/// in pieces of every size, and the journal's reads through it against a real server.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCopyReaderTests(PostgresServer server) : IAsyncLifetime
{
    private PostgresJournal _journal = null!;

    public async Task InitializeAsync() => _journal = new PostgresJournal(PersistenceSettings.Default with
    {
        Plugin = PersistencePlugin.Postgres,
        ConnectionString = await server.NewDatabaseAsync(),
    });

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1 << 20)]
    public void Rows_decode_the_same_whatever_pieces_the_data_arrives_in(int piece)
    {
        byte[] large = new byte[200_000];
        new Random(3).NextBytes(large);
        byte[] data = Encode(
            (10, 4, null, 1, 2, "ev.ü", 3, 1_000, false, 0xFFFF_FFFFL, [1, 2, 3]),
            (11, 4, null, 2, 2, "ev.ü", 3, 1_001, true, 7, large),
            (12, 4, null, 3, 0, "other", 1, 1_002, false, 0, []));

        List<PersistentRepr> rows = Decode("pid-1", data, piece);

        Assert.Equal([1L, 2, 3], rows.Select(r => r.SequenceNr));
        Assert.Equal([10L, 11, 12], rows.Select(r => r.Ordering));
        Assert.All(rows, r => Assert.Equal("pid-1", r.PersistenceId));
        Assert.Equal(["ev.ü", "ev.ü", "other"], rows.Select(r => r.Manifest));
        Assert.Same(rows[0].Manifest, rows[1].Manifest);
        Assert.Equal((2L, 3, 1_000L, false, 0xFFFF_FFFFu), (rows[0].WriterEpoch, rows[0].SchemaVersion, rows[0].TimestampMs, rows[0].Deleted, rows[0].Checksum));
        Assert.True(rows[1].Deleted);
        Assert.Equal(large, rows[1].Payload);
        Assert.Empty(rows[2].Payload);
    }

    [Fact]
    public void Rows_across_ids_take_their_id_from_the_data_and_share_one_string_per_id()
    {
        byte[] data = Encode(
            (1, 7, "a", 1, 0, "m", 1, 0, false, 0, [1]),
            (2, 8, "b", 1, 0, "m", 1, 0, false, 0, [2]),
            (3, 7, "a", 2, 0, "m", 1, 0, false, 0, [3]));

        List<PersistentRepr> rows = Decode(null, data, 5);

        Assert.Equal(["a", "b", "a"], rows.Select(r => r.PersistenceId));
        Assert.Same(rows[0].PersistenceId, rows[2].PersistenceId);
    }

    [Fact]
    public void Data_cut_short_is_an_error_not_fewer_rows()
    {
        byte[] data = Encode((1, 1, null, 1, 0, "m", 1, 0, false, 0, [1, 2, 3, 4]));
        byte[] cut = data[..^5]; // the trailer and the payload's last bytes are missing

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => Decode("p", cut, 3));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_with_other_columns_than_selected_is_named_as_such()
    {
        byte[] data = Encode((1, 1, null, 1, 0, "m", 1, 0, false, 0, [1]));
        BinaryPrimitives.WriteInt16BigEndian(data.AsSpan(19), 10);

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => Decode("p", data, data.Length));
        Assert.Contains("10 fields", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_id_read_before_its_first_write_is_read_in_full_after_it()
    {
        Assert.Empty(await ToListAsync(_journal.ReplayAsync("late", 1, long.MaxValue, long.MaxValue)));
        await _journal.WriteAsync(new AtomicWrite([Event("late", 1), Event("late", 2)]));

        Assert.Equal([1L, 2], (await ToListAsync(_journal.ReplayAsync("late", 1, long.MaxValue, long.MaxValue))).Select(r => r.SequenceNr));
        Assert.Equal([2L], (await ToListAsync(_journal.ReplayAsync("late", 2, 2, 10))).Select(r => r.SequenceNr));
    }

    [Fact]
    public async Task Reads_by_offset_carry_each_rows_own_id_and_quotes_in_ids_are_plain_data()
    {
        await _journal.WriteAsync(new AtomicWrite(Event("it's", 1)));
        await _journal.WriteAsync(new AtomicWrite(Event("b\\'; --", 1)));
        await _journal.WriteAsync(new AtomicWrite(Event("it's", 2)));

        List<PersistentRepr> all = await ToListAsync(_journal.CurrentAllEventsAsync(0));

        Assert.Equal(["it's#1", "b\\'; --#1", "it's#2"], all.Select(r => $"{r.PersistenceId}#{r.SequenceNr}"));
        Assert.Equal([1L, 2], (await ToListAsync(_journal.ReplayAsync("it's", 1, long.MaxValue, long.MaxValue))).Select(r => r.SequenceNr));
    }

    private static List<PersistentRepr> Decode(string? persistenceId, byte[] data, int piece)
    {
        var rows = new List<PersistentRepr>();
        using var reader = new PostgresCopyReader(persistenceId, new PostgresManifestNames());
        int at = 0;
        while (at < data.Length)
        {
            Memory<byte> free = reader.FreeSpace();
            int n = Math.Min(Math.Min(piece, free.Length), data.Length - at);
            data.AsSpan(at, n).CopyTo(free.Span);
            reader.Advance(n);
            at += n;
            while (reader.TryReadRow(out PersistentRepr? row))
            {
                rows.Add(row);
            }
        }

        reader.Complete();
        return rows;
    }

    private static byte[] Encode(params (long Ordering, long Pid, string? Id, long Seq, long Epoch, string Manifest, int Version, long Ts, bool Deleted,
        long Checksum, byte[] Payload)[] rows)
    {
        var data = new List<byte>();
        data.AddRange([(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0]);
        data.AddRange(new byte[8]); // flags, header extension length
        foreach (var r in rows)
        {
            Int16(data, 11);
            Int64(data, r.Ordering);
            Int64(data, r.Pid);
            if (r.Id is null)
            {
                Int32(data, -1);
            }
            else
            {
                Bytes(data, Encoding.UTF8.GetBytes(r.Id));
            }

            Int64(data, r.Seq);
            Int64(data, r.Epoch);
            Bytes(data, Encoding.UTF8.GetBytes(r.Manifest));
            Int32(data, 4);
            Int32(data, r.Version);
            Int64(data, r.Ts);
            Int32(data, 1);
            data.Add(r.Deleted ? (byte)1 : (byte)0);
            Int64(data, r.Checksum);
            Bytes(data, r.Payload);
        }

        Int16(data, -1);
        return [.. data];
    }

    private static void Int16(List<byte> data, short value)
    {
        byte[] b = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(b, value);
        data.AddRange(b);
    }

    private static void Int32(List<byte> data, int value)
    {
        byte[] b = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, value);
        data.AddRange(b);
    }

    private static void Int64(List<byte> data, long value)
    {
        Int32(data, 8);
        byte[] b = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, value);
        data.AddRange(b);
    }

    private static void Bytes(List<byte> data, byte[] value)
    {
        Int32(data, value.Length);
        data.AddRange(value);
    }

    private static PersistentRepr Event(string id, long seq) => new(id, seq, "m", 1, [(byte)seq], 0);

    private static async Task<List<PersistentRepr>> ToListAsync(IAsyncEnumerable<PersistentRepr> rows)
    {
        var list = new List<PersistentRepr>();
        await foreach (PersistentRepr row in rows)
        {
            list.Add(row);
        }

        return list;
    }
}
