using System.Numerics.Tensors;
using ActorRec.Recommender.Model;

namespace ActorRec.Recommender.Tests.Model;

/// <summary>
/// The one-sweep backward row (<see cref="AdagradKernels.BackwardRow"/>) against its scalar reference (bit for bit:
/// same operations, same order, no fused multiply-add) and against the pass-by-pass form the layer used before.
/// </summary>
public sealed class AdagradKernelsTests
{
    [Theory]
    [InlineData(1, true)]
    [InlineData(7, true)]
    [InlineData(16, false)]
    [InlineData(21, true)]
    [InlineData(40, false)]
    [InlineData(248, true)]
    [InlineData(251, true)]
    public void Matches_the_scalar_reference_exactly(int n, bool withGradient)
    {
        var random = new Random(n);
        var x = Fill(random, n);
        x[0] = 0f; // a ReLU zero: no step for that weight
        var w = Fill(random, n);
        var acc = Positive(random, n);
        var gx = withGradient ? Fill(random, n) : [];
        var (w2, acc2, gx2) = (w.ToArray(), acc.ToArray(), gx.ToArray());

        AdagradKernels.BackwardRow(x, 0.37f, 0.05f, w, acc, gx);
        AdagradKernels.BackwardRowScalar(x, 0.37f, 0.05f, w2, acc2, gx2);

        Assert.Equal(w2, w);
        Assert.Equal(acc2, acc);
        Assert.Equal(gx2, gx);
    }

    [Fact]
    public void Equals_the_pass_by_pass_update_within_rounding()
    {
        const int n = 251;
        const float g = -0.8f;
        const float lr = 0.05f;
        var random = new Random(3);
        var x = Fill(random, n);
        var w = Fill(random, n);
        var acc = Positive(random, n);
        var gx = Fill(random, n);
        var (w2, acc2, gx2) = (w.ToArray(), acc.ToArray(), gx.ToArray());
        var original = w.ToArray();

        AdagradKernels.BackwardRow(x, g, lr, w, acc, gx);

        // The form DenseLayer.Backward used before: whole-row vector passes with two scratch rows.
        var grad = new float[n];
        var step = new float[n];
        TensorPrimitives.MultiplyAdd(w2, g, gx2, gx2);
        TensorPrimitives.Multiply(x, g, grad);
        TensorPrimitives.MultiplyAdd(grad, grad, acc2, acc2);
        TensorPrimitives.Sqrt(acc2, step);
        TensorPrimitives.Divide(grad, step, step);
        TensorPrimitives.MultiplyAdd(step, -lr, w2, w2);

        for (var i = 0; i < n; i++)
        {
            Assert.Equal(w2[i], w[i], 1e-6f);
            Assert.Equal(acc2[i], acc[i], 1e-6f);
            Assert.Equal(gx2[i], gx[i], 1e-6f);
        }

        Assert.NotEqual(original[5], w[5]); // it did step
    }

    [Fact]
    public void Rejects_rows_of_different_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => AdagradKernels.BackwardRow(new float[4], 1f, 0.1f, new float[4], new float[3], []));
        Assert.Contains("one length", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => AdagradKernels.BackwardRow(new float[4], 1f, 0.1f, new float[4], new float[4], new float[5]));
    }

    private static float[] Fill(Random random, int n)
    {
        var a = new float[n];
        for (var i = 0; i < n; i++)
        {
            a[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return a;
    }

    private static float[] Positive(Random random, int n)
    {
        var a = new float[n];
        for (var i = 0; i < n; i++)
        {
            a[i] = 0.1f + (float)random.NextDouble();
        }

        return a;
    }
}
