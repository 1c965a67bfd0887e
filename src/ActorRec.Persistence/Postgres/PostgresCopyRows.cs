using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ActorRec.Persistence.Journal;
using Npgsql;

namespace ActorRec.Persistence.Postgres;

/// <summary>
/// Encodes journal rows straight into PostgreSQL's binary COPY format and streams them through Npgsql's raw COPY
/// stream.
/// </summary>
/// <remarks>
/// <para><b>Why not <c>NpgsqlBinaryImporter</c>.</b> The importer resolves, binds and writes every field through a
/// generic parameter (an async state machine per field even on the synchronous path): eight fields per row, thousands
/// of rows per group commit, all on the writer's thread. A profile of <c>bench journal --store postgres</c> at 10,000
/// actors put that per-field machinery at ~7 % of the client's CPU. The format itself is trivial (PostgreSQL docs,
/// "COPY, Binary Format"): an 11-byte signature, a 32-bit flags word and a 32-bit header-extension length (both 0);
/// per row a 16-bit field count, then per field a 32-bit length and the value in network byte order (bigint: 8 bytes,
/// integer: 4, text: its UTF-8 bytes, bytea: its bytes); a 16-bit -1 ends the data. Here each row is written into one
/// pooled buffer with a handful of big-endian stores, and the buffer goes to the stream when full.</para>
/// <para><b>Failures.</b> Disposing a raw COPY stream completes the COPY, so a failure while rows are written (a fault
/// injected by a test, an I/O error) cancels the COPY explicitly before the error propagates: the server discards the
/// rows and the transaction fails. An error the server raises for the rows (a unique violation) surfaces when the
/// COPY completes, as a <see cref="PostgresException"/>, exactly as with the importer.</para>
/// </remarks>
internal sealed class PostgresCopyRows : IDisposable
{
    /// <summary>The COPY statement; the column order is the order <see cref="WriteRow"/> writes.</summary>
    public const string Command =
        "COPY journal (pid, sequence_nr, writer_epoch, manifest, schema_version, timestamp_ms, checksum, payload) FROM STDIN (FORMAT BINARY)";

    private const int BufferSize = 32 * 1024;
    private const short FieldCount = 8;

    private static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _length;

    private PostgresCopyRows(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        Header.CopyTo(_buffer);
        _length = Header.Length;
    }

    /// <summary>Starts the COPY on <paramref name="conn"/> (inside its open transaction).</summary>
    public static PostgresCopyRows Begin(NpgsqlConnection conn) => new(conn.BeginRawBinaryCopy(Command));

    /// <summary>Appends one row (see <see cref="Command"/> for the columns).</summary>
    public void WriteRow(long pid, PersistentRepr e, uint checksum)
    {
        string manifest = e.Manifest;
        byte[] payload = e.Payload;

        // Fixed part: field count, six 8-byte and one 4-byte value with their lengths, the manifest's length and at
        // most 3 bytes per UTF-16 unit of it, the payload's length.
        int fixedPart = 2 + (6 * 12) + 8 + 4 + (manifest.Length * 3) + 4;
        if (_buffer.Length - _length < fixedPart)
        {
            Flush();
            if (_buffer.Length < fixedPart)
            {
                Grow(fixedPart);
            }
        }

        Span<byte> span = _buffer.AsSpan(_length);
        BinaryPrimitives.WriteInt16BigEndian(span, FieldCount);
        int at = 2;
        at = WriteInt64(span, at, pid);
        at = WriteInt64(span, at, e.SequenceNr);
        at = WriteInt64(span, at, e.WriterEpoch);
        int manifestBytes = Encoding.UTF8.GetBytes(manifest, span[(at + 4)..]);
        BinaryPrimitives.WriteInt32BigEndian(span[at..], manifestBytes);
        at += 4 + manifestBytes;
        BinaryPrimitives.WriteInt32BigEndian(span[at..], 4);
        BinaryPrimitives.WriteInt32BigEndian(span[(at + 4)..], e.SchemaVersion);
        at += 8;
        at = WriteInt64(span, at, e.TimestampMs);
        at = WriteInt64(span, at, checksum);
        BinaryPrimitives.WriteInt32BigEndian(span[at..], payload.Length);
        at += 4;
        _length += at;
        WriteBytes(payload);
    }

    /// <summary>Writes the trailer and completes the COPY; a server error for the rows is thrown here.</summary>
    public void Complete()
    {
        if (_buffer.Length - _length < 2)
        {
            Flush();
        }

        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_length), -1);
        _length += 2;
        Flush();
        _stream.Dispose();
    }

    /// <summary>Abandons the COPY: the server discards every row sent (errors of the cancel itself are dropped, the
    /// caller is already failing with its own).</summary>
    public void Cancel()
    {
        try
        {
            ((NpgsqlRawCopyStream)_stream).Cancel();
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection is broken or the COPY already ended: either way nothing of it can commit.
        }
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

    private static int WriteInt64(Span<byte> span, int at, long value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span[at..], 8);
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 4)..], value);
        return at + 12;
    }

    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= _buffer.Length - _length)
        {
            bytes.CopyTo(_buffer.AsSpan(_length));
            _length += bytes.Length;
            return;
        }

        // A large payload goes to the stream directly instead of through the buffer.
        Flush();
        _stream.Write(bytes);
    }

    private void Flush()
    {
        if (_length > 0)
        {
            _stream.Write(_buffer, 0, _length);
            _length = 0;
        }
    }

    private void Grow(int atLeast)
    {
        byte[] bigger = ArrayPool<byte>.Shared.Rent(atLeast);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
