using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace ActorRec.Recommender.Entities;

/// <summary>
/// Compact, lossless journal encoding of the float vectors that interactions carry (the video embedding as the user
/// saw it, the sampled negatives, the user embedding a video learns from).
/// <para>
/// Why lossless matters: replay must rebuild the state bit for bit, so what an actor applies live must be exactly
/// what it journals. The ingest path therefore rounds each vector <i>before</i> it is applied and journaled
/// (<see cref="RoundToHalf"/>, <see cref="RoundToInt8"/>), and the writer stores a vector in the smallest form that
/// reproduces it exactly: int8 codes with a power-of-two scale (n + 2 bytes), IEEE half (2n + 1), or float (4n + 1).
/// A vector that fits neither compact form (e.g. one built by a test or an older caller) is stored as float, so
/// encoding never changes a value.
/// </para>
/// <para>
/// Int8 with a power-of-two scale: x = q · 2^e with q in [−127, 127] and e = ⌈log₂(max|x| / 127)⌉. The product of
/// a small integer and a power of two is exact in float, and re-encoding a rounded vector finds the same e (its
/// largest |q| is at least 64), so rounding is idempotent and decoding exact. Relative error ≤ 1/128 of the largest
/// element. Half keeps 11 significant bits (relative error ≤ 2⁻¹¹).
/// </para>
/// </summary>
public static class JournalVectors
{
    private const byte FloatTag = 0;
    private const byte HalfTag = 1;
    private const byte Int8Tag = 2;
    private const int MinExponent = -100;

    /// <summary>Rounds every element to the nearest IEEE half (in place).</summary>
    public static void RoundToHalf(Span<float> v)
    {
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)(Half)v[i];
        }
    }

    /// <summary>Rounds the vector to int8 codes times a power-of-two scale (in place); non-finite vectors are left as they are.</summary>
    public static void RoundToInt8(Span<float> v)
    {
        if (!TryInt8Exponent(v, out var e))
        {
            return;
        }

        var scale = MathF.ScaleB(1f, e);
        var inverse = MathF.ScaleB(1f, -e);
        for (var i = 0; i < v.Length; i++)
        {
            var x = MathF.Round(v[i] * inverse, MidpointRounding.ToEven) * scale;
            v[i] = x == 0f ? 0f : x; // never −0: its int8 code would decode as +0
        }
    }

    /// <summary>Writes <paramref name="v"/> in the smallest form that decodes to exactly the same floats.</summary>
    public static void Write(BinaryWriter w, ReadOnlySpan<float> v)
    {
        w.Write(v.Length);
        if (TryInt8Exponent(v, out var e) && IsInt8Exact(v, e))
        {
            w.Write(Int8Tag);
            w.Write((sbyte)e);
            Span<sbyte> codes = v.Length <= 4096 ? stackalloc sbyte[v.Length] : new sbyte[v.Length];
            var inverse = MathF.ScaleB(1f, -e);
            for (var i = 0; i < v.Length; i++)
            {
                codes[i] = (sbyte)(v[i] * inverse);
            }

            w.Write(MemoryMarshal.AsBytes(codes));
            return;
        }

        if (IsHalfExact(v))
        {
            w.Write(HalfTag);
            Span<Half> halves = v.Length <= 4096 ? stackalloc Half[v.Length] : new Half[v.Length];
            TensorPrimitives.ConvertToHalf(v, halves);
            w.Write(MemoryMarshal.AsBytes(halves));
            return;
        }

        w.Write(FloatTag);
        w.Write(MemoryMarshal.AsBytes(v));
    }

    /// <summary>Reads a vector written by <see cref="Write"/>.</summary>
    public static float[] Read(BinaryReader r)
    {
        var n = r.ReadInt32();
        if (n < 0 || n > (1 << 24))
        {
            throw new InvalidDataException($"vector length {n} is out of range");
        }

        var v = new float[n];
        var tag = r.ReadByte();
        switch (tag)
        {
            case FloatTag:
                ReadExactly(r, MemoryMarshal.AsBytes(v.AsSpan()));
                return v;
            case HalfTag:
                var halves = new Half[n];
                ReadExactly(r, MemoryMarshal.AsBytes(halves.AsSpan()));
                TensorPrimitives.ConvertToSingle(halves, v);
                return v;
            case Int8Tag:
                var scale = MathF.ScaleB(1f, r.ReadSByte());
                var codes = new sbyte[n];
                ReadExactly(r, MemoryMarshal.AsBytes(codes.AsSpan()));
                for (var i = 0; i < n; i++)
                {
                    v[i] = codes[i] * scale;
                }

                return v;
            default:
                throw new InvalidDataException($"unknown vector encoding {tag}");
        }
    }

    private static void ReadExactly(BinaryReader r, Span<byte> destination)
    {
        if (r.Read(destination) != destination.Length)
        {
            throw new EndOfStreamException("float vector is truncated");
        }
    }

    /// <summary>e = ⌈log₂(max|x| / 127)⌉, or false when the vector is not finite.</summary>
    private static bool TryInt8Exponent(ReadOnlySpan<float> v, out int e)
    {
        var max = 0f;
        for (var i = 0; i < v.Length; i++)
        {
            var a = MathF.Abs(v[i]);
            if (!float.IsFinite(a))
            {
                e = 0;
                return false;
            }

            max = MathF.Max(max, a);
        }

        if (max == 0f)
        {
            e = MinExponent;
            return true;
        }

        e = Math.Max(MinExponent, (int)MathF.Ceiling(MathF.Log2(max / 127f)));
        // Guard against Log2 rounding: the largest code must fit in 127.
        while (max * MathF.ScaleB(1f, -e) > 127.5f)
        {
            e++;
        }

        return e <= 127;
    }

    private static bool IsInt8Exact(ReadOnlySpan<float> v, int e)
    {
        var scale = MathF.ScaleB(1f, e);
        var inverse = MathF.ScaleB(1f, -e);
        for (var i = 0; i < v.Length; i++)
        {
            var q = v[i] * inverse;
            if (q != MathF.Round(q) || MathF.Abs(q) > 127f || q * scale != v[i] || (v[i] == 0f && float.IsNegative(v[i])))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsHalfExact(ReadOnlySpan<float> v)
    {
        for (var i = 0; i < v.Length; i++)
        {
            if (float.IsNaN(v[i]) || (float)(Half)v[i] != v[i])
            {
                return false;
            }
        }

        return true;
    }
}
