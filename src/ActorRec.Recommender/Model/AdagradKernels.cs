using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ActorRec.Recommender.Model;

/// <summary>
/// The backward pass of one output unit of a <see cref="DenseLayer"/> in one sweep over its weight row: the input
/// gradient <c>gx += w·g</c> (with the weights before the step), then Adagrad on <c>grad = x·g</c>:
/// <c>acc += grad²</c>, <c>w -= lr · grad / √acc</c>.
/// <para>
/// Why one sweep: the layer's first row is the model's input width (~250 floats) and there are 64 of them, so the
/// step per training event is ~16k weights. Done as five whole-row vector passes (multiply, multiply-add, square
/// root, divide, multiply-add) it streams the row, its accumulator and two scratch rows through memory five times;
/// here each element is loaded and stored once, a Vector512 → 256 → 128 → scalar ladder. The arithmetic is the same
/// operations in the same order, each product rounded before its sum (no fused multiply-add), so the result equals
/// the pass-by-pass form; <see cref="BackwardRowScalar"/> is the reference it is tested against.
/// </para>
/// <para>
/// The input gradient uses the row's weights from before this row's step; rows of a layer are independent, so
/// updating row j right after adding its share of <c>gx</c> gives what adding every row's share first would.
/// </para>
/// </summary>
internal static class AdagradKernels
{
    /// <summary>
    /// One unit's backward pass: <c>gx += w·g</c> when <paramref name="gx"/> is not empty, then the Adagrad step of
    /// <paramref name="w"/> (with accumulator <paramref name="acc"/>) for the gradient <c>x·g</c>.
    /// </summary>
    public static void BackwardRow(ReadOnlySpan<float> x, float g, float learningRate, Span<float> w, Span<float> acc, Span<float> gx)
    {
        var n = x.Length;
        var withGx = !gx.IsEmpty;
        if (w.Length != n || acc.Length != n || (withGx && gx.Length != n))
        {
            throw new ArgumentException($"x, w, acc (and gx when given) must have one length (got {n}, {w.Length}, {acc.Length}, {gx.Length}).", nameof(w));
        }

        ref var x0 = ref MemoryMarshal.GetReference(x);
        ref var w0 = ref MemoryMarshal.GetReference(w);
        ref var a0 = ref MemoryMarshal.GetReference(acc);
        ref var g0 = ref MemoryMarshal.GetReference(gx);
        var step = -learningRate;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var gv = Vector512.Create(g);
            var sv = Vector512.Create(step);
            for (; i + Vector512<float>.Count <= n; i += Vector512<float>.Count)
            {
                var at = (nuint)i;
                var wv = Vector512.LoadUnsafe(ref w0, at);
                if (withGx)
                {
                    ((wv * gv) + Vector512.LoadUnsafe(ref g0, at)).StoreUnsafe(ref g0, at);
                }

                var grad = Vector512.LoadUnsafe(ref x0, at) * gv;
                var a = (grad * grad) + Vector512.LoadUnsafe(ref a0, at);
                a.StoreUnsafe(ref a0, at);
                (((grad / Vector512.Sqrt(a)) * sv) + wv).StoreUnsafe(ref w0, at);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var gv = Vector256.Create(g);
            var sv = Vector256.Create(step);
            for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
            {
                var at = (nuint)i;
                var wv = Vector256.LoadUnsafe(ref w0, at);
                if (withGx)
                {
                    ((wv * gv) + Vector256.LoadUnsafe(ref g0, at)).StoreUnsafe(ref g0, at);
                }

                var grad = Vector256.LoadUnsafe(ref x0, at) * gv;
                var a = (grad * grad) + Vector256.LoadUnsafe(ref a0, at);
                a.StoreUnsafe(ref a0, at);
                (((grad / Vector256.Sqrt(a)) * sv) + wv).StoreUnsafe(ref w0, at);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            var gv = Vector128.Create(g);
            var sv = Vector128.Create(step);
            for (; i + Vector128<float>.Count <= n; i += Vector128<float>.Count)
            {
                var at = (nuint)i;
                var wv = Vector128.LoadUnsafe(ref w0, at);
                if (withGx)
                {
                    ((wv * gv) + Vector128.LoadUnsafe(ref g0, at)).StoreUnsafe(ref g0, at);
                }

                var grad = Vector128.LoadUnsafe(ref x0, at) * gv;
                var a = (grad * grad) + Vector128.LoadUnsafe(ref a0, at);
                a.StoreUnsafe(ref a0, at);
                (((grad / Vector128.Sqrt(a)) * sv) + wv).StoreUnsafe(ref w0, at);
            }
        }

        for (; i < n; i++)
        {
            ref var wi = ref Unsafe.Add(ref w0, i);
            if (withGx)
            {
                Unsafe.Add(ref g0, i) = (wi * g) + Unsafe.Add(ref g0, i);
            }

            var grad = Unsafe.Add(ref x0, i) * g;
            ref var ai = ref Unsafe.Add(ref a0, i);
            ai = (grad * grad) + ai;
            wi = (grad / MathF.Sqrt(ai) * step) + wi;
        }
    }

    /// <summary>The scalar reference of <see cref="BackwardRow"/>.</summary>
    public static void BackwardRowScalar(ReadOnlySpan<float> x, float g, float learningRate, Span<float> w, Span<float> acc, Span<float> gx)
    {
        for (var i = 0; i < x.Length; i++)
        {
            if (!gx.IsEmpty)
            {
                gx[i] = (w[i] * g) + gx[i];
            }

            var grad = x[i] * g;
            acc[i] = (grad * grad) + acc[i];
            w[i] = (grad / MathF.Sqrt(acc[i]) * -learningRate) + w[i];
        }
    }
}
