using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ActorRec.Recommender.Ann;

/// <summary>
/// Scalar-quantised copies of the vectors that the HNSW graph walk scores against: each vector x becomes
/// <c>round(x / s)</c> as signed bytes with its own scale <c>s = max|x| / 127</c>, so x·y ≈ s_x·s_y·(codes_x·codes_y)
/// whatever the vectors' lengths (inner product needs no normalisation). A 64-d vector is one 64-byte cache line
/// instead of four, which is what a graph walk over 100k random nodes is bound by. The relative error of one
/// component is at most 1/254 of the largest component, so scores move by about 1e-3 on unit vectors: enough to
/// steer the walk; the final candidates are re-scored exactly in float before the top-k is cut.
/// <para>
/// Codes are padded with zeros to a multiple of 32 (<see cref="Stride"/>) so the SIMD loop has no tail:
/// AVX-512BW widens 32 bytes to 32 shorts and multiplies adjacent pairs into 16 ints per step (vpmaddwd), AVX2
/// does half of that, and a scalar loop is the reference the tests compare against.
/// </para>
/// </summary>
internal static class Int8Codes
{
    /// <summary>Bytes of one code row for a vector of <paramref name="dimension"/> floats.</summary>
    public static int Stride(int dimension) => (dimension + 31) & ~31;

    /// <summary>Quantises <paramref name="vector"/> into <paramref name="codes"/> (length ≥ dimension, rest zeroed); returns the scale.</summary>
    public static float Encode(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        var maxAbs = 0f;
        for (var i = 0; i < vector.Length; i++)
        {
            maxAbs = MathF.Max(maxAbs, MathF.Abs(vector[i]));
        }

        codes.Clear();
        if (maxAbs == 0f)
        {
            return 0f;
        }

        var scale = maxAbs / 127f;
        var inverse = 127f / maxAbs;
        for (var i = 0; i < vector.Length; i++)
        {
            codes[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] * inverse), -127f, 127f);
        }

        return scale;
    }

    /// <summary>Integer dot product of two code rows of <paramref name="length"/> bytes (a multiple of 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int Dot(sbyte* a, sbyte* b, int length)
    {
        if (Avx512BW.IsSupported)
        {
            var acc = Vector512<int>.Zero;
            for (var i = 0; i < length; i += 32)
            {
                var x = Avx512BW.ConvertToVector512Int16(Vector256.Load(a + i));
                var y = Avx512BW.ConvertToVector512Int16(Vector256.Load(b + i));
                acc += Avx512BW.MultiplyAddAdjacent(x, y);
            }

            return Vector512.Sum(acc);
        }

        if (Avx2.IsSupported)
        {
            var acc = Vector256<int>.Zero;
            for (var i = 0; i < length; i += 16)
            {
                var x = Avx2.ConvertToVector256Int16(Vector128.Load(a + i));
                var y = Avx2.ConvertToVector256Int16(Vector128.Load(b + i));
                acc += Avx2.MultiplyAddAdjacent(x, y);
            }

            return Vector256.Sum(acc);
        }

        return DotScalar(a, b, length);
    }

    /// <summary>Span form of <see cref="Dot(sbyte*, sbyte*, int)"/> over whole rows (lengths equal, a multiple of 32).</summary>
    public static unsafe int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        if (a.Length != b.Length || a.Length % 32 != 0)
        {
            throw new ArgumentException($"code rows must have the same length, a multiple of 32 (got {a.Length} and {b.Length}).", nameof(b));
        }

        fixed (sbyte* pa = a, pb = b)
        {
            return Dot(pa, pb, a.Length);
        }
    }

    /// <summary>Scalar reference over spans (the tests compare the SIMD paths against it).</summary>
    public static int DotScalar(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        var sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>The scalar reference of <see cref="Dot(sbyte*, sbyte*, int)"/>.</summary>
    public static unsafe int DotScalar(sbyte* a, sbyte* b, int length)
    {
        var sum = 0;
        for (var i = 0; i < length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
