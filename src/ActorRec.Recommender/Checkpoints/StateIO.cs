using System.Runtime.InteropServices;

namespace ActorRec.Recommender.Checkpoints;

/// <summary>
/// Reading and writing the arrays of a checkpoint payload (little-endian, as every supported platform is). A read
/// names what it expected when the payload disagrees (<see cref="InvalidDataException"/>), so a checkpoint taken
/// under another configuration is refused with a reason before anything is applied.
/// </summary>
internal static class StateIO
{
    public static void WriteFloats(BinaryWriter writer, ReadOnlySpan<float> values)
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    public static float[] ReadFloats(BinaryReader reader, int expectedLength, string what)
    {
        var length = reader.ReadInt32();
        if (length != expectedLength)
        {
            throw new InvalidDataException($"{what} holds {length} values, this configuration needs {expectedLength}");
        }

        return ReadFloats(reader, length);
    }

    public static float[] ReadFloats(BinaryReader reader, int length)
    {
        if (length < 0)
        {
            throw new InvalidDataException($"negative array length {length}");
        }

        var values = new float[length];
        ReadExactly(reader, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    public static void WriteUInts(BinaryWriter writer, ReadOnlySpan<uint> values)
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    public static uint[] ReadUInts(BinaryReader reader, int expectedLength, string what)
    {
        var length = reader.ReadInt32();
        if (length != expectedLength)
        {
            throw new InvalidDataException($"{what} holds {length} values, this configuration needs {expectedLength}");
        }

        var values = new uint[length];
        ReadExactly(reader, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    public static void Expect(BinaryReader reader, int expected, string what)
    {
        var value = reader.ReadInt32();
        if (value != expected)
        {
            throw new InvalidDataException($"{what} is {value} in the checkpoint, {expected} in this configuration");
        }
    }

    public static int ReadCount(BinaryReader reader, string what)
    {
        var count = reader.ReadInt32();
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"{what}: count {count} does not fit the payload");
        }

        return count;
    }

    private static void ReadExactly(BinaryReader reader, Span<byte> destination)
    {
        reader.BaseStream.ReadExactly(destination);
    }
}
