using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Learning;

/// <summary>
/// Draws the k sampled negatives of the learning rule: uniformly random approved catalog rows other than the
/// event's video, from a generator seeded by the event id, so a given event always draws the same rows from a given
/// catalog. The embeddings are copied out; the caller journals them with the event (see <see cref="VideoFacts"/>).
/// </summary>
public static class NegativeSampler
{
    /// <summary>Returns k·dim floats (fewer rows when the catalog is small).</summary>
    public static float[] Sample(VideoCatalog catalog, ulong eventKey, int excludeRow, int k)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var n = catalog.Count;
        var dim = catalog.Dimension;
        // The rows drawn so far (k is small: a scan beats a set, and a stack buffer allocates nothing).
        Span<int> picked = k <= 64 ? stackalloc int[k] : new int[k];
        var count = 0;
        var state = eventKey;
        for (var attempt = 0; attempt < 4 * k && count < k && n > 1; attempt++)
        {
            state = StableHash.Mix(state + 0x9e3779b97f4a7c15UL);
            var row = (int)(state % (ulong)n);
            if (row == excludeRow || picked[..count].Contains(row) || catalog.Info(row).Moderation != ModerationState.Approved)
            {
                continue;
            }

            picked[count++] = row;
        }

        var result = new float[count * dim];
        for (var i = 0; i < count; i++)
        {
            catalog.Row(picked[i]).CopyTo(result.AsSpan(i * dim, dim));
        }

        return result;
    }
}
