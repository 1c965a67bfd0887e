using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using ActorRec.Persistence.Journal;
using Npgsql;

namespace ActorRec.Persistence.Postgres;

/// <summary>
/// Reads journal rows from a binary <c>COPY (SELECT ...) TO STDOUT</c> through Npgsql's raw COPY stream and decodes
/// them straight from the wire bytes.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> Recovery of 20 actors × 20,000 events (<c>bench journal --store postgres</c>) was CPU-bound in the
/// client at ~1–1.5 µs per event. Besides the unavoidable payload copy and row object, a profile showed Npgsql's
/// per-column machinery (seek, converter, start/end read for each of ten columns), two strings decoded and allocated
/// per row (the persistence id, which the caller already holds, and the manifest, which is one of a handful of
/// names), and the garbage collector those strings fed.</para>
/// <para><b>How.</b> The format (PostgreSQL docs, "COPY, Binary Format") is an 11-byte signature, a flags word and a
/// header-extension length, then per row a 16-bit field count and per field a 32-bit length (-1 = NULL) and the value
/// in network byte order; a 16-bit -1 ends the data. <see cref="TryReadRow"/> first checks that a whole row is buffered,
/// then decodes it with a few big-endian loads. The persistence id comes from the caller (per-id reads select NULL for
/// it) or, for reads across ids, from a per-read map of id number to string; the manifest from
/// <see cref="PostgresManifestNames"/>, which maps its UTF-8 bytes to one shared string.</para>
/// <para><b>Checksums</b> are not checked here: the journal verifies every row it hands out (and reports a damaged
/// one with its persistence id and sequence number).</para>
/// </remarks>
internal sealed class PostgresCopyReader : IDisposable
{
    /// <summary>Columns of a per-id read, in the order <see cref="TryReadRow"/> decodes (the id's text is NULL: the
    /// caller knows it).</summary>
    public const string ColumnsWithoutId = "j.ordering, j.pid, NULL::text, " + Tail;

    /// <summary>Columns of a read across ids (<c>p</c> is <c>persistence_ids</c> joined on <c>j.pid</c>).</summary>
    public const string ColumnsWithId = "j.ordering, j.pid, p.persistence_id, " + Tail;

    private const string Tail = "j.sequence_nr, j.writer_epoch, j.manifest, j.schema_version, j.timestamp_ms, j.deleted, j.checksum, j.payload";

    private const short FieldCount = 11;
    private const int InitialBufferSize = 64 * 1024;
    private const int MinFreeSpace = 4 * 1024;

    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    private readonly string? _persistenceId;
    private readonly PostgresManifestNames _manifests;
    private Dictionary<long, string>? _idNames;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _headerRead;
    private bool _ended;

    /// <param name="persistenceId">The id of every row (per-id reads, which select NULL as its text), or null when the
    /// rows carry their id's text.</param>
    /// <param name="manifests">Shared manifest strings.</param>
    public PostgresCopyReader(string? persistenceId, PostgresManifestNames manifests)
    {
        _persistenceId = persistenceId;
        _manifests = manifests;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    /// <summary>Starts <paramref name="copyCommand"/> (a <c>COPY (SELECT <see cref="ColumnsWithoutId"/> ...) TO STDOUT
    /// (FORMAT BINARY)</c>) on <paramref name="conn"/>; read its rows with <see cref="ReadChunkAsync"/>.</summary>
    public static Task<NpgsqlRawCopyStream> BeginAsync(NpgsqlConnection conn, string copyCommand, CancellationToken cancellationToken) =>
        conn.BeginRawBinaryCopyAsync(copyCommand, cancellationToken);

    /// <summary>
    /// Appends the next rows of <paramref name="stream"/> to <paramref name="rows"/>, up to <paramref name="max"/> of
    /// them; false once the data ended (the rows appended before the end are in <paramref name="rows"/>).
    /// </summary>
    /// <remarks>The stream hands out one message (one row) per read, and most reads complete at once from Npgsql's
    /// buffer. The per-row loop is therefore a plain method (<see cref="Fill"/>, compiled optimised at once), and this
    /// async method only waits when a read really has to wait for the network: a replay is over in about a second,
    /// too soon for an async method re-entered per row or per chunk to leave the unoptimised tiers (the profile
    /// of <c>bench journal</c> showed its loop unoptimised for the whole recovery).</remarks>
    public async ValueTask<bool> ReadChunkAsync(NpgsqlRawCopyStream stream, List<PersistentRepr> rows, int max, CancellationToken cancellationToken)
    {
        while (true)
        {
            ValueTask<int> pending = Fill(stream, rows, max, out FillResult result, cancellationToken);
            if (result != FillResult.Waiting)
            {
                return result == FillResult.Full;
            }

            int read = await pending.ConfigureAwait(false);
            if (read == 0)
            {
                Complete();
                return false;
            }

            Advance(read);
        }
    }

    /// <summary>All rows of <paramref name="copyCommand"/> (reads of a bounded size, such as a page by offset).</summary>
    public static async Task<List<PersistentRepr>> ReadAllAsync(NpgsqlConnection conn, string copyCommand, string? persistenceId,
        PostgresManifestNames manifests, int capacity, CancellationToken cancellationToken)
    {
        var rows = new List<PersistentRepr>(capacity);
        using var reader = new PostgresCopyReader(persistenceId, manifests);
        await using NpgsqlRawCopyStream stream = await BeginAsync(conn, copyCommand, cancellationToken).ConfigureAwait(false);
        bool more = true;
        while (more)
        {
            more = await reader.ReadChunkAsync(stream, rows, int.MaxValue, cancellationToken).ConfigureAwait(false);
        }

        return rows;
    }

    /// <summary>Decodes buffered rows and reads on while reads complete at once; returns the read that has to wait
    /// (<see cref="FillResult.Waiting"/>), or a default value when the chunk is full or the data ended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ValueTask<int> Fill(NpgsqlRawCopyStream stream, List<PersistentRepr> rows, int max, out FillResult result, CancellationToken cancellationToken)
    {
        while (rows.Count < max)
        {
            if (TryReadRow(out PersistentRepr? row))
            {
                rows.Add(row);
                continue;
            }

            ValueTask<int> read = stream.ReadAsync(FreeSpace(), cancellationToken);
            if (!read.IsCompletedSuccessfully)
            {
                result = FillResult.Waiting;
                return read;
            }

            int count = read.Result;
            if (count == 0)
            {
                Complete();
                result = FillResult.Ended;
                return default;
            }

            Advance(count);
        }

        result = FillResult.Full;
        return default;
    }

    /// <summary>Room for the next read from the stream (compacts, or grows for a row larger than the buffer).</summary>
    public Memory<byte> FreeSpace()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_buffer.Length - _end < MinFreeSpace)
        {
            int buffered = _end - _start;
            byte[] target = buffered > _buffer.Length - MinFreeSpace ? ArrayPool<byte>.Shared.Rent(_buffer.Length * 2) : _buffer;
            Buffer.BlockCopy(_buffer, _start, target, 0, buffered);
            if (!ReferenceEquals(target, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }

            _start = 0;
            _end = buffered;
        }

        return _buffer.AsMemory(_end);
    }

    /// <summary>Takes <paramref name="count"/> bytes just read into <see cref="FreeSpace"/>.</summary>
    public void Advance(int count) => _end += count;

    /// <summary>The stream ended: the data must have ended with its trailer, with nothing after it.</summary>
    public void Complete()
    {
        if (!_ended || _start != _end)
        {
            throw new InvalidDataException($"The journal's COPY data ended early or with {_end - _start} stray bytes (truncated read).");
        }
    }

    /// <summary>Decodes the next row when all its bytes are buffered; false when more bytes are needed or the data ended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryReadRow([NotNullWhen(true)] out PersistentRepr? row)
    {
        row = null;
        ReadOnlySpan<byte> data = _buffer.AsSpan(_start, _end - _start);
        if (!_headerRead)
        {
            if (!TryReadHeader(ref data))
            {
                return false;
            }
        }

        if (_ended || data.Length < 2)
        {
            return false;
        }

        short fields = BinaryPrimitives.ReadInt16BigEndian(data);
        if (fields == -1)
        {
            _ended = true;
            _start += 2;
            return false;
        }

        if (fields != FieldCount)
        {
            throw new InvalidDataException($"A journal COPY row has {fields} fields; {FieldCount} were selected.");
        }

        // Offsets of the eleven values (a length of -1 is NULL); stop if the row is not all here yet.
        Span<int> at = stackalloc int[FieldCount];
        Span<int> length = stackalloc int[FieldCount];
        int pos = 2;
        for (int i = 0; i < FieldCount; i++)
        {
            if (data.Length - pos < 4)
            {
                return false;
            }

            int len = BinaryPrimitives.ReadInt32BigEndian(data[pos..]);
            pos += 4;
            at[i] = pos;
            length[i] = len;
            if (len > 0)
            {
                if (data.Length - pos < len)
                {
                    return false;
                }

                pos += len;
            }
        }

        long ordering = Int64(data, at, length, 0, "ordering");
        long pidNumber = Int64(data, at, length, 1, "pid");
        string persistenceId = length[2] < 0
            ? _persistenceId ?? throw new InvalidDataException($"Journal row at ordering {ordering} came without its persistence id.")
            : IdName(pidNumber, data.Slice(at[2], length[2]));
        long sequenceNr = Int64(data, at, length, 3, "sequence_nr");
        long writerEpoch = Int64(data, at, length, 4, "writer_epoch");
        string manifest = _manifests.Get(data.Slice(at[5], Math.Max(0, length[5])));
        if (length[6] != 4)
        {
            throw BadField("schema_version", length[6]);
        }

        int schemaVersion = BinaryPrimitives.ReadInt32BigEndian(data[at[6]..]);
        long timestampMs = Int64(data, at, length, 7, "timestamp_ms");
        if (length[8] != 1)
        {
            throw BadField("deleted", length[8]);
        }

        bool deleted = data[at[8]] != 0;
        long checksum = Int64(data, at, length, 9, "checksum");
        if (length[10] < 0)
        {
            throw BadField("payload", length[10]);
        }

        byte[] payload = data.Slice(at[10], length[10]).ToArray();
        row = new PersistentRepr(persistenceId, sequenceNr, manifest, schemaVersion, payload, timestampMs, writerEpoch)
        {
            Ordering = ordering,
            Deleted = deleted,
            Checksum = unchecked((uint)checksum),
        };
        _start += pos;
        return true;
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool TryReadHeader(ref ReadOnlySpan<byte> data)
    {
        const int fixedPart = 19;
        if (data.Length < fixedPart)
        {
            return false;
        }

        if (!data[..Signature.Length].SequenceEqual(Signature))
        {
            throw new InvalidDataException("The journal's COPY data does not start with the binary COPY signature.");
        }

        int extension = BinaryPrimitives.ReadInt32BigEndian(data[15..]);
        if (extension < 0 || data.Length < fixedPart + extension)
        {
            return extension >= 0 ? false : throw new InvalidDataException($"Bad binary COPY header extension length {extension}.");
        }

        _start += fixedPart + extension;
        _headerRead = true;
        data = data[(fixedPart + extension)..];
        return true;
    }

    private string IdName(long pidNumber, ReadOnlySpan<byte> utf8)
    {
        _idNames ??= [];
        if (!_idNames.TryGetValue(pidNumber, out string? name))
        {
            name = Encoding.UTF8.GetString(utf8);
            _idNames[pidNumber] = name;
        }

        return name;
    }

    private static long Int64(ReadOnlySpan<byte> data, Span<int> at, Span<int> length, int field, string column) =>
        length[field] == 8 ? BinaryPrimitives.ReadInt64BigEndian(data[at[field]..]) : throw BadField(column, length[field]);

    private static InvalidDataException BadField(string column, int length) =>
        new($"Journal column {column} came with {length} bytes in the COPY data (truncated or unexpected type).");

    private enum FillResult
    {
        Full,
        Ended,
        Waiting,
    }
}
