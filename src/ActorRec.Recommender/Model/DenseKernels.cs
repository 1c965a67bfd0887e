using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ActorRec.Recommender.Model;

/// <summary>
/// The inner kernel of the folded forward pass (<see cref="MultiTaskRanker.PredictFolded"/>): one input row times a
/// transposed weight matrix, accumulated into the output row. The output row is short (a layer's units: 32, 16, 6),
/// so it is held in registers, a Vector512 → 256 → 128 → scalar ladder over its width, while the inputs stream past:
/// each input costs one broadcast and one multiply-add per register, and an input that is zero (half of a ReLU
/// layer's outputs) costs nothing. <see cref="MultiplyAccumulateScalar"/> is the reference it is tested against.
/// </summary>
internal static class DenseKernels
{
    /// <summary><c>h[j] += Σ_i x[i] · wT[i·n + j]</c> for j &lt; n = h.Length (wT holds x.Length rows of n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> wT, Span<float> h)
    {
        var n = h.Length;
        if (wT.Length < x.Length * n)
        {
            throw new ArgumentException($"wT holds {wT.Length} floats; {x.Length} rows of {n} need {x.Length * n}.", nameof(wT));
        }

        ref var w0 = ref MemoryMarshal.GetReference(wT);
        ref var h0 = ref MemoryMarshal.GetReference(h);
        var j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + Vector512<float>.Count <= n; j += Vector512<float>.Count)
            {
                var acc = Vector512.LoadUnsafe(ref h0, (nuint)j);
                for (var i = 0; i < x.Length; i++)
                {
                    if (x[i] != 0f)
                    {
                        acc = Vector512.MultiplyAddEstimate(Vector512.Create(x[i]), Vector512.LoadUnsafe(ref w0, (nuint)((i * n) + j)), acc);
                    }
                }

                acc.StoreUnsafe(ref h0, (nuint)j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + Vector256<float>.Count <= n; j += Vector256<float>.Count)
            {
                var acc = Vector256.LoadUnsafe(ref h0, (nuint)j);
                for (var i = 0; i < x.Length; i++)
                {
                    if (x[i] != 0f)
                    {
                        acc = Vector256.MultiplyAddEstimate(Vector256.Create(x[i]), Vector256.LoadUnsafe(ref w0, (nuint)((i * n) + j)), acc);
                    }
                }

                acc.StoreUnsafe(ref h0, (nuint)j);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; j + Vector128<float>.Count <= n; j += Vector128<float>.Count)
            {
                var acc = Vector128.LoadUnsafe(ref h0, (nuint)j);
                for (var i = 0; i < x.Length; i++)
                {
                    if (x[i] != 0f)
                    {
                        acc = Vector128.MultiplyAddEstimate(Vector128.Create(x[i]), Vector128.LoadUnsafe(ref w0, (nuint)((i * n) + j)), acc);
                    }
                }

                acc.StoreUnsafe(ref h0, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            var acc = h[j];
            for (var i = 0; i < x.Length; i++)
            {
                acc += x[i] * Unsafe.Add(ref w0, (i * n) + j);
            }

            h[j] = acc;
        }
    }

    /// <summary>The scalar reference of <see cref="MultiplyAccumulate"/>.</summary>
    public static void MultiplyAccumulateScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> wT, Span<float> h)
    {
        Debug.Assert(wT.Length >= x.Length * h.Length, "wT must hold x.Length rows of h.Length");
        for (var j = 0; j < h.Length; j++)
        {
            var acc = h[j];
            for (var i = 0; i < x.Length; i++)
            {
                acc += x[i] * wT[(i * h.Length) + j];
            }

            h[j] = acc;
        }
    }

    /// <summary>Writes the transpose of the <paramref name="rows"/> × <paramref name="columns"/> row-major matrix <paramref name="m"/> into <paramref name="t"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(ReadOnlySpan<float> m, int rows, int columns, Span<float> t)
    {
        Debug.Assert(m.Length >= rows * columns && t.Length >= rows * columns, "matrix sizes");
        for (var r = 0; r < rows; r++)
        {
            var row = m.Slice(r * columns, columns);
            for (var c = 0; c < columns; c++)
            {
                t[(c * rows) + r] = row[c];
            }
        }
    }
}
