using System.Numerics.Tensors;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Ann;

/// <summary>
/// Brute-force top-k by inner product over a row-major matrix: the ground truth for recall and the baseline
/// the ANN index is timed against. One SIMD dot per row and a k-sized min-heap (<see cref="Retrieval.TopK"/>); no allocation per query.
/// </summary>
public static class ExactScan
{
    /// <summary>Writes the row numbers of the <paramref name="k"/> best rows, best first; returns how many.</summary>
    public static int TopK(ReadOnlySpan<float> matrix, int dimension, ReadOnlySpan<float> query, int k, Span<int> rows, Span<float> scores)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (query.Length != dimension)
        {
            throw new ArgumentException($"query has length {query.Length}, expected {dimension}.", nameof(query));
        }

        if (matrix.Length % dimension != 0)
        {
            throw new ArgumentException($"matrix length {matrix.Length} is not a multiple of dimension {dimension}.", nameof(matrix));
        }

        if (rows.Length < k || scores.Length < k)
        {
            throw new ArgumentException("rows and scores must hold at least k entries.", nameof(rows));
        }

        var count = matrix.Length / dimension;
        var best = new TopK(rows[..k], scores[..k]);
        for (var r = 0; r < count; r++)
        {
            var s = TensorPrimitives.Dot(matrix.Slice(r * dimension, dimension), query);
            if (s > best.Threshold)
            {
                best.Offer(r, s);
            }
        }

        return best.Drain();
    }
}
