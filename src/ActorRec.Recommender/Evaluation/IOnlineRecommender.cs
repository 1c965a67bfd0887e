namespace ActorRec.Recommender.Evaluation;

/// <summary>
/// A recommender replayed by the prequential (test-then-train) loop: before each interaction it is asked for the
/// user's top-k, then it observes the interaction. Implementations rank all items of the catalog
/// (0..itemCount-1) and must leave out every item in <c>exclude</c>.
/// </summary>
public interface IOnlineRecommender
{
    /// <summary>Short name used in reports ("actorrec", "popularity", "batch_mf", …).</summary>
    string Name { get; }

    /// <summary>Writes up to <paramref name="k"/> item indices, best first, into <paramref name="destination"/>; returns how many.</summary>
    int TopK(int user, int k, IReadOnlySet<int> exclude, Span<int> destination);

    /// <summary>Learns from one interaction (called after the loop has asked for the user's top-k).</summary>
    void Observe(in Interaction interaction);

    /// <summary>
    /// Moves the model's clock to <paramref name="timestamp"/> (Unix ms, never backwards) before a top-k request,
    /// for models whose scores decay with time. The default ignores it.
    /// </summary>
    void AdvanceTo(long timestamp)
    {
    }
}

/// <summary>Top-k selection over a dense score array with an exclusion set (a k-sized min-heap, no allocation).</summary>
public static class TopKSelector
{
    /// <summary>Indices of the k highest scores not in <paramref name="exclude"/>, best first; ties go to the lower index.</summary>
    public static int Select(ReadOnlySpan<float> scores, int k, IReadOnlySet<int> exclude, Span<int> destination)
    {
        ArgumentNullException.ThrowIfNull(exclude);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (destination.Length < k)
        {
            throw new ArgumentException($"destination holds {destination.Length} entries but k is {k}.", nameof(destination));
        }

        Span<float> heapScores = k <= 256 ? stackalloc float[k] : new float[k];
        var heap = destination;
        var count = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var s = scores[i];
            if (count == k && !Better(s, i, heapScores[0], heap[0]))
            {
                continue;
            }

            if (exclude.Count > 0 && exclude.Contains(i))
            {
                continue;
            }

            if (count < k)
            {
                var j = count++;
                while (j > 0)
                {
                    var parent = (j - 1) >> 1;
                    if (!Better(heapScores[parent], heap[parent], s, i))
                    {
                        break;
                    }

                    heap[j] = heap[parent];
                    heapScores[j] = heapScores[parent];
                    j = parent;
                }

                heap[j] = i;
                heapScores[j] = s;
            }
            else
            {
                SiftDown(heap, heapScores, count, i, s);
            }
        }

        for (var end = count - 1; end > 0; end--)
        {
            var (topItem, topScore) = (heap[0], heapScores[0]);
            SiftDown(heap, heapScores, end, heap[end], heapScores[end]);
            heap[end] = topItem;
            heapScores[end] = topScore;
        }

        return count;
    }

    // Min-heap on (score, -index): the root is the worst kept entry.
    private static void SiftDown(Span<int> heap, Span<float> scores, int size, int item, float score)
    {
        var j = 0;
        while (true)
        {
            var child = (2 * j) + 1;
            if (child >= size)
            {
                break;
            }

            if (child + 1 < size && Better(scores[child], heap[child], scores[child + 1], heap[child + 1]))
            {
                child++;
            }

            if (!Better(score, item, scores[child], heap[child]))
            {
                break;
            }

            heap[j] = heap[child];
            scores[j] = scores[child];
            j = child;
        }

        heap[j] = item;
        scores[j] = score;
    }

    private static bool Better(float a, int ai, float b, int bi) => a > b || (a == b && ai < bi);
}
