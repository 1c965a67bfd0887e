using System.Numerics.Tensors;

namespace ActorRec.Recommender.Ann;

/// <summary>
/// Brute-force top-k by inner product over a row-major matrix: the ground truth for recall and the baseline
/// the ANN index is timed against. One SIMD dot per row and a k-sized min-heap; no allocation per query.
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
        var kept = 0;
        for (var r = 0; r < count; r++)
        {
            var s = TensorPrimitives.Dot(matrix.Slice(r * dimension, dimension), query);
            if (kept < k)
            {
                SiftUp(rows, scores, kept++, r, s);
            }
            else if (s > scores[0])
            {
                SiftDown(rows, scores, kept, r, s);
            }
        }

        // Heap-sort the kept entries into best-first order.
        for (var end = kept - 1; end > 0; end--)
        {
            var (topRow, topScore) = (rows[0], scores[0]);
            SiftDown(rows, scores, end, rows[end], scores[end]);
            rows[end] = topRow;
            scores[end] = topScore;
        }

        return kept;
    }

    private static void SiftUp(Span<int> rows, Span<float> scores, int i, int row, float score)
    {
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (scores[parent] <= score)
            {
                break;
            }

            rows[i] = rows[parent];
            scores[i] = scores[parent];
            i = parent;
        }

        rows[i] = row;
        scores[i] = score;
    }

    private static void SiftDown(Span<int> rows, Span<float> scores, int size, int row, float score)
    {
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= size)
            {
                break;
            }

            if (child + 1 < size && scores[child + 1] < scores[child])
            {
                child++;
            }

            if (scores[child] >= score)
            {
                break;
            }

            rows[i] = rows[child];
            scores[i] = scores[child];
            i = child;
        }

        rows[i] = row;
        scores[i] = score;
    }
}
