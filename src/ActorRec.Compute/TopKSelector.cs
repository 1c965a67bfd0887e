namespace ActorRec.Compute;

/// <summary>
/// Picks the best k (score, row) pairs out of a full score vector with a bounded min-heap kept in the output spans
/// themselves (no allocation), then heap-sorts them into descending order. "Better" means a higher score
/// (<see cref="float.CompareTo(float)"/>, so NaN ranks last), ties broken by the lower row.
/// </summary>
public static class TopKSelector
{
    public static int Select(ReadOnlySpan<float> allScores, int k, Span<int> rows, Span<float> scores)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var count = Math.Min(k, allScores.Length);
        if (rows.Length < count || scores.Length < count)
        {
            throw new ArgumentException($"rows and scores must hold {count} entries.", rows.Length < count ? nameof(rows) : nameof(scores));
        }

        if (count == 0)
        {
            return 0;
        }

        var heapRows = rows[..count];
        var heapScores = scores[..count];
        for (var r = 0; r < count; r++)
        {
            heapRows[r] = r;
            heapScores[r] = allScores[r];
            SiftUp(heapScores, heapRows, r);
        }

        for (var r = count; r < allScores.Length; r++)
        {
            var s = allScores[r];
            if (Better(s, r, heapScores[0], heapRows[0]))
            {
                heapScores[0] = s;
                heapRows[0] = r;
                SiftDown(heapScores, heapRows, 0, count);
            }
        }

        // Heap sort: the worst goes to the end each round, leaving the best first.
        for (var end = count - 1; end > 0; end--)
        {
            Swap(heapScores, heapRows, 0, end);
            SiftDown(heapScores, heapRows, 0, end);
        }

        return count;
    }

    private static bool Better(float s1, int r1, float s2, int r2)
    {
        var c = s1.CompareTo(s2);
        return c > 0 || (c == 0 && r1 < r2);
    }

    private static void SiftUp(Span<float> s, Span<int> r, int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Better(s[parent], r[parent], s[i], r[i]))
            {
                return;
            }

            Swap(s, r, i, parent);
            i = parent;
        }
    }

    private static void SiftDown(Span<float> s, Span<int> r, int i, int size)
    {
        while (true)
        {
            var left = (2 * i) + 1;
            if (left >= size)
            {
                return;
            }

            var worst = left;
            var right = left + 1;
            if (right < size && Better(s[left], r[left], s[right], r[right]))
            {
                worst = right;
            }

            if (!Better(s[i], r[i], s[worst], r[worst]))
            {
                return;
            }

            Swap(s, r, i, worst);
            i = worst;
        }
    }

    private static void Swap(Span<float> s, Span<int> r, int i, int j)
    {
        (s[i], s[j]) = (s[j], s[i]);
        (r[i], r[j]) = (r[j], r[i]);
    }
}
