using System.Numerics.Tensors;

namespace ActorRec.Recommender.Ann;

/// <summary>
/// Spherical k-means (Lloyd's iterations on unit vectors, assignment by the largest inner product, centroids
/// re-normalised): the coarse quantiser of <see cref="IvfIndex"/>. Deterministic for a given <see cref="Random"/>.
/// An empty cluster is re-seeded with a random sample row, so every centroid ends up owning points.
/// </summary>
internal static class SphericalKMeans
{
    /// <summary>Trains <paramref name="k"/> unit centroids on the unit rows of <paramref name="sample"/>.</summary>
    public static float[] Train(ReadOnlySpan<float> sample, int dimension, int k, int iterations, Random random)
    {
        var n = sample.Length / dimension;
        if (k < 1 || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{n} (the sample rows).");
        }

        var centroids = new float[k * dimension];

        // Initial centroids: k distinct sample rows (a partial Fisher–Yates shuffle of the row numbers).
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        for (var i = 0; i < k; i++)
        {
            var j = random.Next(i, n);
            (order[i], order[j]) = (order[j], order[i]);
            sample.Slice(order[i] * dimension, dimension).CopyTo(centroids.AsSpan(i * dimension, dimension));
        }

        var sums = new float[k * dimension];
        var counts = new int[k];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            Array.Clear(sums);
            Array.Clear(counts);
            for (var i = 0; i < n; i++)
            {
                var row = sample.Slice(i * dimension, dimension);
                var best = Nearest(centroids, dimension, row);
                counts[best]++;
                TensorPrimitives.Add(sums.AsSpan(best * dimension, dimension), row, sums.AsSpan(best * dimension, dimension));
            }

            for (var c = 0; c < k; c++)
            {
                var centroid = centroids.AsSpan(c * dimension, dimension);
                var sum = sums.AsSpan(c * dimension, dimension);
                var norm = TensorPrimitives.Norm(sum);
                if (counts[c] == 0 || !(norm > 0f))
                {
                    sample.Slice(random.Next(n) * dimension, dimension).CopyTo(centroid);
                    continue;
                }

                TensorPrimitives.Divide(sum, norm, centroid);
            }
        }

        return centroids;
    }

    /// <summary>The centroid with the largest inner product with <paramref name="row"/> (ties: the lower number).</summary>
    public static int Nearest(ReadOnlySpan<float> centroids, int dimension, ReadOnlySpan<float> row)
    {
        var best = 0;
        var bestScore = float.NegativeInfinity;
        var k = centroids.Length / dimension;
        for (var c = 0; c < k; c++)
        {
            var score = TensorPrimitives.Dot(centroids.Slice(c * dimension, dimension), row);
            if (score > bestScore)
            {
                bestScore = score;
                best = c;
            }
        }

        return best;
    }
}
