namespace ActorRec.Recommender.Ann;

/// <summary>
/// Generates a clustered, deterministic data set: <c>clusters</c> random unit centres, each vector a centre plus
/// Gaussian noise (so neighbourhoods are tight and the graph must bridge between clusters), L2-normalised.
/// Queries come from the same distribution (same seed, another sampleSeed). Used by tests and by <see cref="AnnBenchmark"/>.
/// </summary>
public static class ClusteredVectors
{
    /// <summary>Row-major <paramref name="count"/> × <paramref name="dimension"/> matrix of unit vectors.</summary>
    public static float[] Generate(int count, int dimension, int clusters, float noise, int seed, int sampleSeed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clusters);
        var random = new Random(seed);
        var centres = new float[clusters * dimension];
        for (var c = 0; c < clusters; c++)
        {
            var centre = centres.AsSpan(c * dimension, dimension);
            FillGaussian(random, centre, 1f);
            AnnVectors.Normalize(centre);
        }

        // Centres depend on seed only, samples also on sampleSeed: queries share the centres, not the points.
        random = new Random(unchecked((seed * 1_000_003) + (sampleSeed * 7919) + 17));
        var data = new float[count * dimension];
        for (var i = 0; i < count; i++)
        {
            var row = data.AsSpan(i * dimension, dimension);
            var c = random.Next(clusters);
            FillGaussian(random, row, noise);
            var centre = centres.AsSpan(c * dimension, dimension);
            for (var d = 0; d < dimension; d++)
            {
                row[d] += centre[d];
            }

            AnnVectors.Normalize(row);
        }

        return data;
    }

    private static void FillGaussian(Random random, Span<float> into, float sigma)
    {
        for (var d = 0; d < into.Length; d++)
        {
            // Box–Muller.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            into[d] = (float)(sigma * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
    }
}
