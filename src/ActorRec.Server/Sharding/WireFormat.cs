using Google.Protobuf;

namespace ActorRec.Server.Sharding;

/// <summary>
/// The binary framing shared by the feed's remote messages (<see cref="FeedWireSerializers"/>) and the per-node
/// entity batches (<see cref="EntityBatch"/>): a payload is written with a <see cref="BinaryWriter"/> and must be read
/// back whole; a short, malformed or over-long payload is a <see cref="FormatException"/> naming what it was.
/// </summary>
internal static class WireFormat
{
    /// <summary>Reads a collection length, refusing negative ones and ones over 16 M.</summary>
    public static int ReadLength(BinaryReader r)
    {
        var n = r.ReadInt32();
        return n is < 0 or > 1 << 24 ? throw new FormatException($"length {n} is out of range") : n;
    }

    public static ByteString Write(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            write(w);
        }

        return ByteString.CopyFrom(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>Reads <paramref name="payload"/> whole with <paramref name="read"/>; <paramref name="what"/> names it in errors ("a feed message").</summary>
    public static T Read<T>(ReadOnlySpan<byte> payload, Func<BinaryReader, T> read, string what)
    {
        using var stream = new MemoryStream(payload.ToArray(), writable: false);
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8);
        T value;
        try
        {
            value = read(r);
        }
        catch (Exception error) when (error is EndOfStreamException or InvalidDataException or IOException)
        {
            throw new FormatException(what + " is malformed: " + error.Message, error);
        }

        return stream.Position == stream.Length ? value : throw new FormatException($"{what} has {stream.Length - stream.Position} trailing bytes");
    }
}
