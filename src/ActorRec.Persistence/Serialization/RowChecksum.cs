using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ActorRec.Persistence.Serialization;

/// <summary>
/// CRC32C over everything that identifies and carries a journal row: persistence id, sequence number, manifest,
/// schema version and payload. Stored beside the row; a mismatch on read means the row was altered or truncated.
/// Uses the hardware CRC32C instruction through <see cref="BitOperations.Crc32C(uint, ulong)"/> (SSE4.2 / ARMv8).
/// </summary>
public static class RowChecksum
{
    public static uint Compute(string persistenceId, long sequenceNr, string manifest, int version, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        ArgumentNullException.ThrowIfNull(manifest);
        uint crc = 0xFFFFFFFFu;
        crc = AppendString(crc, persistenceId);
        crc = BitOperations.Crc32C(crc, (ulong)sequenceNr);
        crc = AppendString(crc, manifest);
        crc = BitOperations.Crc32C(crc, (uint)version);
        crc = BitOperations.Crc32C(crc, (uint)payload.Length);
        crc = Append(crc, payload);
        return ~crc;
    }

    /// <summary>CRC32C of a byte span (exposed for tests and snapshot rows).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    private static uint AppendString(uint crc, string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> buffer = max <= 512 ? stackalloc byte[512] : new byte[max];
        int written = Encoding.UTF8.GetBytes(value, buffer);
        crc = BitOperations.Crc32C(crc, (uint)written);
        return Append(crc, buffer[..written]);
    }
}
