using System.Buffers.Binary;
using System.Numerics;

namespace ActorRec.Recommender.Checkpoints;

/// <summary>A checkpoint file that cannot be used: unreadable, corrupt, of another format version, or for another configuration.</summary>
public sealed class CheckpointFormatException(string path, string reason, Exception? inner = null)
    : Exception($"checkpoint {path}: {reason}", inner)
{
    /// <summary>The file.</summary>
    public string FilePath { get; } = path;

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// The envelope of a checkpoint: a 24-byte header — magic <c>"ARCK"</c>, format version (int32), payload length
/// (int64), CRC-32C of the payload (uint32), CRC-32C of the first 20 header bytes (uint32) — then the payload.
/// <para>
/// <b>Atomic replace.</b> <see cref="Write"/> writes <c>path.tmp</c>, flushes it to the disk (fsync), then renames it
/// over <c>path</c> (an atomic replace on one file system). A crash leaves either the old file or the new one, never a
/// torn one; a torn <c>.tmp</c> is simply overwritten next time. <see cref="Read"/> verifies magic, version, length
/// and both checksums before handing out a byte of the payload, so a corrupt file is refused as a whole.
/// </para>
/// </summary>
public static class CheckpointFile
{
    /// <summary>Bytes of the header.</summary>
    public const int HeaderBytes = 24;

    private const uint Magic = 0x4B435241; // "ARCK" little-endian

    /// <summary>Writes <paramref name="payload"/> under <paramref name="version"/> to <paramref name="path"/> atomically (temp file, fsync, rename).</summary>
    public static void Write(string path, int version, ReadOnlySpan<byte> payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Span<byte> header = stackalloc byte[HeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], version);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], Crc(payload));
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], Crc(header[..20]));
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
        {
            stream.Write(header);
            stream.Write(payload);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Reads and verifies the file at <paramref name="path"/>; returns its payload, or null when there is no file.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The file is unreadable, truncated, corrupt or of another version.</exception>
    public static byte[]? Read(string path, int expectedVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(path, "cannot be read: " + e.Message, e);
        }

        if (bytes.Length < HeaderBytes)
        {
            throw new CheckpointFormatException(path, $"truncated: {bytes.Length} bytes, shorter than the {HeaderBytes}-byte header");
        }

        var header = bytes.AsSpan(0, HeaderBytes);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            throw new CheckpointFormatException(path, "not an ActorRec checkpoint (bad magic)");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header[20..]) != Crc(header[..20]))
        {
            throw new CheckpointFormatException(path, "corrupt header (checksum mismatch)");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (version != expectedVersion)
        {
            throw new CheckpointFormatException(path, $"format version {version}, this build reads version {expectedVersion}");
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        if (length != bytes.Length - HeaderBytes)
        {
            throw new CheckpointFormatException(path, $"truncated: the header announces {length} payload bytes, the file holds {bytes.Length - HeaderBytes}");
        }

        var payload = bytes.AsSpan(HeaderBytes);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[16..]) != Crc(payload))
        {
            throw new CheckpointFormatException(path, "corrupt payload (checksum mismatch)");
        }

        return payload.ToArray();
    }

    /// <summary>CRC-32C (Castagnoli) of <paramref name="data"/>, 8 bytes a step on the hardware instruction.</summary>
    public static uint Crc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
