using System.Text;

namespace ActorRec.Persistence.Sqlite;

/// <summary>
/// The UTF-8 bytes of the last string asked for, kept in a reusable buffer: consecutive rows of one write share
/// their persistence id and usually their manifest, so a batch re-encodes a string only when it changes.
/// </summary>
internal sealed class Utf8Cache
{
    private string? _value;
    private byte[] _buffer = new byte[256];
    private int _length;

    /// <summary>UTF-8 bytes of <paramref name="value"/> (valid until the next call).</summary>
    public ReadOnlySpan<byte> Get(string value)
    {
        if (!ReferenceEquals(value, _value))
        {
            int max = Encoding.UTF8.GetMaxByteCount(value.Length);
            if (max > _buffer.Length)
            {
                _buffer = new byte[Math.Max(max, _buffer.Length * 2)];
            }

            _length = Encoding.UTF8.GetBytes(value, _buffer);
            _value = value;
        }

        return _buffer.AsSpan(0, _length);
    }
}
