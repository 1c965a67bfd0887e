using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;

namespace ActorRec.Cluster.Transport;

/// <summary>
/// One actor message as it comes out of a batch frame: the strings are shared per connection (no allocation once a
/// string has been seen), the payload is a view into the receive buffer, valid only during the handler call.
/// </summary>
public readonly ref struct InboundEnvelope(string sender, string recipient, string manifest, ReadOnlySpan<byte> payload)
{
    /// <summary>Full path of the sending actor, "" when there is none.</summary>
    public string Sender { get; } = sender;

    /// <summary>Element path of the recipient on this node, e.g. <c>/user/a</c>.</summary>
    public string Recipient { get; } = recipient;

    public string Manifest { get; } = manifest;

    public ReadOnlySpan<byte> Payload { get; } = payload;
}

/// <summary>
/// The envelope-batch frame (kind 19): many actor messages in one frame, for throughput.
/// </summary>
/// <remarks>
/// <para>
/// Body: records back to back, each <c>sender, recipient, manifest</c> (three string references), then a varint
/// payload length and the payload bytes. A string reference is a varint: <c>0</c> = a literal follows (varint
/// byte length + UTF-8) and is not remembered; <c>1</c> = a literal follows and gets the next table index;
/// <c>n ≥ 2</c> = the string at table index <c>n − 2</c>. Each direction of each connection has its own table,
/// built by the single writer loop and mirrored by the single receive loop, so neither needs a lock; a new
/// connection starts with empty tables on both sides. The table is capped at <see cref="MaxTableEntries"/>; later
/// new strings travel as literals every time, and so do one-shot ask paths (<see cref="OneShotMarker"/>).
/// </para>
/// <para>
/// Why: an actor message between two nodes repeats the same handful of strings (recipient path, sender path,
/// manifest). As table indexes they cost 1–2 bytes and no string allocation on the receiver; the payload is
/// handed over as a span. A protobuf <c>RemoteEnvelope</c> per message (frame kind 16, still accepted) costs one
/// message object and three strings per message on each side.
/// </para>
/// </remarks>
internal static class EnvelopeBatchCodec
{
    public const int MaxTableEntries = 4096;

    /// <summary>Paths of pending asks (<c>/temp/$n</c>) are used once: they travel as literals and never fill the table.</summary>
    public const string OneShotMarker = "/temp/$";

    /// <summary>Upper bound of a record's encoded size (for the frame-size check before queueing).</summary>
    public static int MaxRecordSize(string sender, string recipient, string manifest, int payloadLength) =>
        (3 * 10) + Encoding.UTF8.GetMaxByteCount(sender.Length + recipient.Length + manifest.Length) + 5 + payloadLength;

    /// <summary>Writer side of one connection: the string table and the buffer the current batch is built in.</summary>
    internal sealed class Encoder
    {
        private readonly Dictionary<string, int> _table = new(StringComparer.Ordinal);
        // Consecutive messages mostly repeat the previous one's strings (same instances): one slot per field skips
        // the dictionary then.
        private readonly string?[] _lastString = new string?[3];
        private readonly int[] _lastIndex = new int[3];
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _length;

        public int Length => _length;

        public int Count { get; private set; }

        public void Append(string sender, string recipient, string manifest, ByteString payload)
        {
            EnsureCapacity(MaxRecordSize(sender, recipient, manifest, payload.Length));
            WriteString(sender, 0);
            WriteString(recipient, 1);
            WriteString(manifest, 2);
            WriteVarint((uint)payload.Length);
            payload.Span.CopyTo(_buffer.AsSpan(_length));
            _length += payload.Length;
            Count++;
        }

        /// <summary>Writes the batch as one frame and starts a new batch.</summary>
        public void Flush(IBufferWriter<byte> writer)
        {
            if (Count == 0)
            {
                return;
            }

            var total = FrameCodec.HeaderSize + _length;
            var span = writer.GetSpan(total);
            BinaryPrimitives.WriteInt32BigEndian(span, _length + 1);
            span[4] = (byte)FrameKind.EnvelopeBatch;
            _buffer.AsSpan(0, _length).CopyTo(span[FrameCodec.HeaderSize..]);
            writer.Advance(total);
            _length = 0;
            Count = 0;
        }

        public void Release()
        {
            var buffer = Interlocked.Exchange(ref _buffer, []);
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private void WriteString(string value, int field)
        {
            if (ReferenceEquals(value, _lastString[field]))
            {
                WriteVarint((uint)_lastIndex[field] + 2);
                return;
            }

            if (_table.TryGetValue(value, out var index))
            {
                _lastString[field] = value;
                _lastIndex[field] = index;
                WriteVarint((uint)index + 2);
                return;
            }

            if (_table.Count < MaxTableEntries && !value.Contains(OneShotMarker, StringComparison.Ordinal))
            {
                _table[value] = _table.Count;
                WriteVarint(1);
            }
            else
            {
                WriteVarint(0);
            }

            var count = Encoding.UTF8.GetByteCount(value);
            WriteVarint((uint)count);
            Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
            _length += count;
        }

        private void WriteVarint(uint value)
        {
            while (value >= 0x80)
            {
                _buffer[_length++] = (byte)(value | 0x80);
                value >>= 7;
            }

            _buffer[_length++] = (byte)value;
        }

        private void EnsureCapacity(int extra)
        {
            if (_length + extra <= _buffer.Length)
            {
                return;
            }

            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }

    /// <summary>Reader side of one connection: the mirrored string table.</summary>
    internal sealed class Decoder
    {
        private readonly List<string> _table = [];

        /// <summary>
        /// Decodes every record of a batch body and hands each to <paramref name="onEnvelope"/>; false (with the
        /// reason) when the body is malformed, in which case the records before the fault were delivered.
        /// </summary>
        public bool Decode<TState>(ReadOnlySpan<byte> body, TState state, EnvelopeCallback<TState> onEnvelope, out string? error)
        {
            var pos = 0;
            while (pos < body.Length)
            {
                if (!TryReadString(body, ref pos, out var sender, out error)
                    || !TryReadString(body, ref pos, out var recipient, out error)
                    || !TryReadString(body, ref pos, out var manifest, out error))
                {
                    return false;
                }

                if (!TryReadVarint(body, ref pos, out var length) || length > (uint)(body.Length - pos))
                {
                    error = "payload length beyond the end of the frame";
                    return false;
                }

                onEnvelope(state, new InboundEnvelope(sender, recipient, manifest, body.Slice(pos, (int)length)));
                pos += (int)length;
            }

            error = null;
            return true;
        }

        private bool TryReadString(ReadOnlySpan<byte> body, ref int pos, out string value, out string? error)
        {
            value = "";
            if (!TryReadVarint(body, ref pos, out var tag))
            {
                error = "truncated string reference";
                return false;
            }

            if (tag >= 2)
            {
                var index = tag - 2;
                if (index >= (uint)_table.Count)
                {
                    error = $"string index {index} is not in the table ({_table.Count} entries)";
                    return false;
                }

                value = _table[(int)index];
                error = null;
                return true;
            }

            if (!TryReadVarint(body, ref pos, out var length) || length > (uint)(body.Length - pos))
            {
                error = "string literal beyond the end of the frame";
                return false;
            }

            value = Encoding.UTF8.GetString(body.Slice(pos, (int)length));
            pos += (int)length;
            if (tag == 1)
            {
                if (_table.Count >= MaxTableEntries)
                {
                    error = "string table overflow";
                    return false;
                }

                _table.Add(value);
            }

            error = null;
            return true;
        }

        private static bool TryReadVarint(ReadOnlySpan<byte> body, ref int pos, out uint value)
        {
            value = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                if (pos >= body.Length)
                {
                    return false;
                }

                var b = body[pos++];
                value |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>Receives one decoded envelope; the envelope's payload is only valid during the call.</summary>
internal delegate void EnvelopeCallback<in TState>(TState state, InboundEnvelope envelope);
