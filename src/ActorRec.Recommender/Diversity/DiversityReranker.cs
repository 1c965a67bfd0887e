using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ActorRec.Recommender.Diversity;

/// <summary>A ranked candidate for re-ranking.</summary>
/// <param name="Score">Relevance from the ranker (any scale; higher is better).</param>
/// <param name="Embedding">Content embedding used for similarity.</param>
/// <param name="CreatorId">Creator, for the creator cap.</param>
/// <param name="TopicId">Main topic, for the topic cap.</param>
public readonly record struct RerankCandidate(float Score, ReadOnlyMemory<float> Embedding, ulong CreatorId, ulong TopicId);

/// <summary>Settings of the <see cref="DiversityReranker"/>.</summary>
/// <param name="Lambda">MMR trade-off: 1 = relevance only, 0 = diversity only.</param>
/// <param name="CreatorCap">At most this many items of one creator in any window of <paramref name="CapWindow"/> consecutive items.</param>
/// <param name="TopicCap">At most this many items of one topic in any such window.</param>
/// <param name="CapWindow">Length of the sliding window the caps apply to.</param>
public sealed record DiversitySettings(float Lambda = 0.7f, int CreatorCap = 1, int TopicCap = 2, int CapWindow = 5)
{
    /// <summary>Validates and names the bad key.</summary>
    public static DiversitySettings Create(DiversitySettings values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Lambda is < 0f or > 1f || float.IsNaN(values.Lambda))
        {
            throw new ArgumentOutOfRangeException("diversity.lambda", values.Lambda, "diversity.lambda must be in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.CreatorCap, "diversity.creator-cap");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.TopicCap, "diversity.topic-cap");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.CapWindow, "diversity.cap-window");
        return values;
    }
}

/// <summary>
/// Greedy maximal-marginal-relevance re-ranking under creator/topic caps. At each position it takes the candidate
/// that maximises λ·relevance − (1 − λ)·max cosine similarity to the items already placed, among candidates that
/// keep every window of <c>CapWindow</c> consecutive items within the creator and topic caps. Relevance is min-max
/// normalised to [0, 1] over the candidates so λ means the same whatever the ranker's scale. When no candidate
/// satisfies the caps the list ends early (the caps are hard). O(count × candidates × dimension).
/// </summary>
public sealed class DiversityReranker
{
    private readonly DiversitySettings _settings;

    /// <summary>Creates a re-ranker.</summary>
    public DiversityReranker(DiversitySettings? settings = null)
    {
        _settings = DiversitySettings.Create(settings ?? new DiversitySettings());
    }

    /// <summary>Writes the chosen candidate indices in feed order into <paramref name="order"/>; returns how many.</summary>
    public int Rerank(ReadOnlySpan<RerankCandidate> candidates, int count, Span<int> order)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var n = Math.Min(count, candidates.Length);
        if (order.Length < n)
        {
            throw new ArgumentException($"order holds {order.Length} entries, {n} needed.", nameof(order));
        }

        if (n == 0)
        {
            return 0;
        }

        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        var norms = new float[candidates.Length];
        for (var i = 0; i < candidates.Length; i++)
        {
            min = MathF.Min(min, candidates[i].Score);
            max = MathF.Max(max, candidates[i].Score);
            norms[i] = TensorPrimitives.Norm(candidates[i].Embedding.Span);
        }

        var range = max > min ? max - min : 1f;
        var maxSimilarity = new float[candidates.Length];
        Array.Fill(maxSimilarity, float.NegativeInfinity);
        var taken = new bool[candidates.Length];
        var placed = 0;
        while (placed < n)
        {
            var best = -1;
            var bestValue = float.NegativeInfinity;
            for (var i = 0; i < candidates.Length; i++)
            {
                if (taken[i] || !WithinCaps(candidates, order[..placed], candidates[i]))
                {
                    continue;
                }

                var relevance = (candidates[i].Score - min) / range;
                var redundancy = placed == 0 ? 0f : maxSimilarity[i];
                var value = (_settings.Lambda * relevance) - ((1f - _settings.Lambda) * redundancy);
                if (value > bestValue)
                {
                    bestValue = value;
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            taken[best] = true;
            order[placed++] = best;
            var chosen = candidates[best].Embedding.Span;
            for (var i = 0; i < candidates.Length; i++)
            {
                if (!taken[i])
                {
                    var similarity = Cosine(candidates[i].Embedding.Span, norms[i], chosen, norms[best]);
                    maxSimilarity[i] = MathF.Max(maxSimilarity[i], similarity);
                }
            }
        }

        return placed;
    }

    private bool WithinCaps(ReadOnlySpan<RerankCandidate> candidates, ReadOnlySpan<int> placed, in RerankCandidate next)
    {
        var sameCreator = 0;
        var sameTopic = 0;
        var from = Math.Max(0, placed.Length - (_settings.CapWindow - 1));
        for (var p = from; p < placed.Length; p++)
        {
            var c = candidates[placed[p]];
            sameCreator += c.CreatorId == next.CreatorId ? 1 : 0;
            sameTopic += c.TopicId == next.TopicId ? 1 : 0;
        }

        return sameCreator < _settings.CreatorCap && sameTopic < _settings.TopicCap;
    }

    private static float Cosine(ReadOnlySpan<float> a, float normA, ReadOnlySpan<float> b, float normB) =>
        normA > 0f && normB > 0f ? TensorPrimitives.Dot(a, b) / (normA * normB) : 0f;
}

/// <summary>Intra-list diversity: the mean pairwise cosine distance (1 − cosine) of a list's embeddings.</summary>
public static class IntraListDiversity
{
    /// <summary>Mean over all pairs of 1 − cos(a, b) of the rows of <paramref name="source"/> at <paramref name="rows"/>; 0 for fewer than two.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Compute(ReadOnlySpan<int> rows, Retrieval.IEmbeddingSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (rows.Length < 2)
        {
            return 0;
        }

        double total = 0;
        long pairs = 0;
        var norms = rows.Length <= 128 ? stackalloc float[rows.Length] : new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            norms[i] = TensorPrimitives.Norm(source.Row(rows[i]));
        }

        for (var i = 0; i < rows.Length; i++)
        {
            var a = source.Row(rows[i]);
            var normA = norms[i];
            for (var j = i + 1; j < rows.Length; j++)
            {
                var b = source.Row(rows[j]);
                var denominator = normA * norms[j];
                total += 1.0 - (denominator > 0f ? TensorPrimitives.Dot(a, b) / denominator : 0f);
                pairs++;
            }
        }

        return total / pairs;
    }

    /// <summary>Mean over all pairs of 1 − cos(a, b); 0 for fewer than two items.</summary>
    public static double Compute(IReadOnlyList<ReadOnlyMemory<float>> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Count < 2)
        {
            return 0;
        }

        double total = 0;
        long pairs = 0;
        for (var i = 0; i < embeddings.Count; i++)
        {
            for (var j = i + 1; j < embeddings.Count; j++)
            {
                total += 1.0 - TensorPrimitives.CosineSimilarity(embeddings[i].Span, embeddings[j].Span);
                pairs++;
            }
        }

        return total / pairs;
    }
}
