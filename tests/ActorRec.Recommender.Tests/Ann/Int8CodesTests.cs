using ActorRec.Recommender.Ann;

namespace ActorRec.Recommender.Tests.Ann;

public sealed class Int8CodesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(64)]
    [InlineData(100)]
    public void Simd_dot_equals_the_scalar_reference(int dimension)
    {
        var random = new Random(dimension);
        var stride = Int8Codes.Stride(dimension);
        Assert.Equal(0, stride % 32);
        var a = new sbyte[stride];
        var b = new sbyte[stride];
        for (var i = 0; i < dimension; i++)
        {
            a[i] = (sbyte)random.Next(-127, 128);
            b[i] = (sbyte)random.Next(-127, 128);
        }

        Assert.Equal(Int8Codes.DotScalar(a, b), Int8Codes.Dot(a, b));
    }

    [Fact]
    public void Decoded_dot_is_within_the_quantisation_bound_for_any_length()
    {
        var random = new Random(4);
        const int dim = 64;
        var stride = Int8Codes.Stride(dim);
        var x = new float[dim];
        var y = new float[dim];
        var cx = new sbyte[stride];
        var cy = new sbyte[stride];
        for (var trial = 0; trial < 200; trial++)
        {
            var lengthX = (float)Math.Pow(10, random.Next(-2, 3));
            for (var i = 0; i < dim; i++)
            {
                x[i] = (float)(random.NextDouble() - 0.5) * lengthX;
                y[i] = (float)(random.NextDouble() - 0.5);
            }

            var sx = Int8Codes.Encode(x, cx);
            var sy = Int8Codes.Encode(y, cy);
            var approx = sx * sy * Int8Codes.Dot(cx, cy);

            var exact = System.Numerics.Tensors.TensorPrimitives.Dot(x, y);

            // Each component is off by at most half a step (s/2); |Σ x_i y_i − Σ x̂_i ŷ_i| ≤ Σ (|x_i| s_y + |y_i| s_x)/2 + dim·s_x·s_y/4.
            var bound = 0f;
            for (var i = 0; i < dim; i++)
            {
                bound += ((MathF.Abs(x[i]) * sy) + (MathF.Abs(y[i]) * sx)) / 2f;
            }

            bound += dim * sx * sy / 4f;
            Assert.True(MathF.Abs(approx - exact) <= (bound * 1.001f) + 1e-6f, $"trial {trial}: {approx} vs {exact}, bound {bound}");
        }
    }

    [Fact]
    public void A_zero_vector_encodes_to_zero_scale()
    {
        var codes = new sbyte[32];
        Assert.Equal(0f, Int8Codes.Encode(new float[10], codes));
        Assert.All(codes, c => Assert.Equal(0, c));
    }
}
