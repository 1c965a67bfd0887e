namespace ActorRec.Compute.Tests.Support;

internal static class TestData
{
    public static float[] Random(Random rng, int count, float scale = 1f)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1) * scale;
        }

        return values;
    }

    public static EmbeddingTable Table(Random rng, int rows, int dim)
    {
        var table = new EmbeddingTable(rows, dim);
        table.SetAll(Random(rng, rows * dim));
        return table;
    }

    public static int[] Rows(Random rng, int count, int tableRows)
    {
        var rows = new int[count];
        for (var i = 0; i < count; i++)
        {
            rows[i] = rng.Next(tableRows);
        }

        return rows;
    }

    /// <summary>
    /// |expected − actual| ≤ 1e-4 × magnitude, where magnitude is Σ|terms| of the dot product (the scale its
    /// rounding error is relative to), so cancellation cannot make a correct result look wrong.
    /// </summary>
    public static void AssertClose(float expected, float actual, double magnitude, string what, double relative = 1e-4)
    {
        var tolerance = (relative * magnitude) + 1e-30;
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected}, got {actual} (tolerance {tolerance:G3})");
    }

    public static void AssertRelative(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], actual[i], Math.Max(Math.Abs(expected[i]), 1e-6), $"{what}[{i}]");
        }
    }
}
