using System.Globalization;
using System.Numerics.Tensors;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Diversity;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Experiments;
using ActorRec.Recommender.Exploration;
using ActorRec.Recommender.Model;
using ActorRec.Recommender.Ranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Reranking;

/// <summary>One item of a finished feed; <see cref="Tasks"/> holds the ranking model's predictions when it scored the item.</summary>
public sealed record FeedItem(string VideoId, int Row, float Score, RetrievalSource Sources, ScoreParts Parts, float RetrievalScore, IReadOnlyList<Adjustment> Adjustments,
    TaskPredictions? Tasks = null);

/// <summary>What a feed as a whole was built with: its intra-list diversity, its exploration slots, its parameters and the user's arms.</summary>
public sealed record FeedSummary(double IntraListDiversity, int ExplorationSlots, FeedParameters Parameters, IReadOnlyList<string> Arms);

/// <summary>A finished feed with the filter counts of its retrieval.</summary>
public sealed record FeedResult(string UserId, IReadOnlyList<FeedItem> Items, FilterCounts Filtered, int Candidates, FeedSummary? Summary = null);

/// <summary>
/// Turns a scored candidate set into the feed, in four steps, each recorded on the items it touches:
/// <list type="number">
/// <item>moderation: candidates whose video is no longer approved are dropped (the catalog is re-read, since it may
/// have changed since retrieval);</item>
/// <item>fatigue: score × (1 − max-penalty·(1 − e^−(topic-weight·topic fatigue + creator-weight·creator fatigue))),
/// a penalty that saturates at max-penalty, then re-sort;</item>
/// <item>exploration: <see cref="ExplorationPolicy.SlotsFor"/> slots (a share that starts high for a new user and
/// converges to <c>exploration.share</c> as events arrive), spread evenly over the feed, each filled with a
/// candidate of the cold-start path chosen by Thompson sampling: one draw per candidate from
/// Beta(prior-alpha + completions, prior-beta + views − completions), highest draw wins; the generator is seeded with
/// the set's seed, so a given user state gives the same feed;</item>
/// <item>diversity: each other position takes, among the best <c>diversity.mmr-pool</c> remaining candidates that
/// keep the creator and topic caps (max-per-creator / max-per-topic among the previous diversity-window − 1
/// positions), the one of highest maximal marginal relevance λ·relevance − (1 − λ)·(max cosine similarity to the
/// items already placed), relevance being the score min-max normalised over those candidates; when every remaining
/// candidate breaks a cap, the best one is placed anyway (cap_relaxed).</item>
/// </list>
/// The finished feed's intra-list diversity (mean pairwise cosine distance of its videos' embeddings) is measured.
/// </summary>
public sealed class FeedReranker
{
    private readonly VideoCatalog _catalog;
    private readonly FeedSettings _settings;
    private readonly FeedParameters _defaults;

    public FeedReranker(VideoCatalog catalog, FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(settings);
        _catalog = catalog;
        _settings = settings;
        _defaults = FeedParameters.From(settings);
    }

    public FeedResult Rerank(CandidateSet set, int count)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var s = _settings.Rerank;
        var parameters = set.Parameters ?? _defaults;
        var items = set.Items;
        for (var i = 0; i < items.Length; i++)
        {
            ref var c = ref items[i];
            if (_catalog.Info(c.Row).Moderation != ModerationState.Approved)
            {
                set.Filtered.Moderated++;
                continue;
            }

            ApplyFatigue(ref c, s);
        }

        FeedRanker.Sort(items);
        var pool = new List<int>(set.Count);
        for (var i = 0; i < items.Length; i++)
        {
            if (_catalog.Info(items[i].Row).Moderation == ModerationState.Approved)
            {
                pool.Add(i);
            }
        }

        var placed = new List<int>(Math.Min(count, pool.Count));
        var used = new bool[items.Length];
        var mmr = parameters.MmrLambda < 1f ? new MmrScratch(items.Length) : null;
        var slots = parameters.Exploration.SlotsFor(count, set.UserEvents);
        var explored = 0;
        Random? rng = null;
        while (placed.Count < count)
        {
            var position = placed.Count;
            var pick = -1;
            if (slots > 0 && ((position + 1) * slots / count) > (position * slots / count))
            {
                rng ??= new Random(unchecked((int)(set.Seed ^ (set.Seed >> 32))));
                pick = PickExploration(set, pool, used, placed, rng, position);
                explored += pick >= 0 ? 1 : 0;
            }

            if (pick < 0)
            {
                pick = PickDiverse(set, pool, used, placed, position, parameters.MmrLambda, mmr);
            }

            if (pick < 0)
            {
                break;
            }

            used[pick] = true;
            placed.Add(pick);
        }

        var result = new FeedItem[placed.Count];
        var rows = new int[placed.Count];
        for (var p = 0; p < placed.Count; p++)
        {
            ref var c = ref set[placed[p]];
            rows[p] = c.Row;
            result[p] = new FeedItem(_catalog.Info(c.Row).VideoId, c.Row, c.Score, c.Sources, c.Parts, c.RetrievalScore,
                (IReadOnlyList<Adjustment>?)c.Adjustments ?? [], c.Modeled ? c.Tasks : null);
        }

        var summary = new FeedSummary(IntraListDiversity.Compute(rows, _catalog), explored, parameters, set.ExperimentArms);
        return new FeedResult(set.UserId, result, set.Filtered, set.Count, summary);
    }

    private void ApplyFatigue(ref Candidate c, RerankSettings s)
    {
        var penalty = s.MaxFatiguePenalty * (1f - MathF.Exp(-((s.TopicFatigueWeight * c.TopicFatigue) + (s.CreatorFatigueWeight * c.CreatorFatigue))));
        if (penalty <= 0f)
        {
            return;
        }

        var before = c.Score;
        c.Score *= 1f - penalty;
        Note(ref c, new Adjustment(
            "fatigue",
            string.Create(CultureInfo.InvariantCulture, $"topic fatigue {c.TopicFatigue:0.##}, creator fatigue {c.CreatorFatigue:0.##}: score x{1f - penalty:0.###}"),
            c.Score - before));
    }

    private int PickExploration(CandidateSet set, List<int> pool, bool[] used, List<int> placed, Random rng, int position)
    {
        var x = _settings.Exploration;
        var halfLife = _settings.Video.VelocityHalfLife;
        var best = -1;
        var bestDraw = -1.0;
        var eligible = 0;
        double alpha = 0, beta = 0;
        foreach (var i in pool)
        {
            if (used[i] || (set[i].Sources & RetrievalSource.ColdStart) == 0)
            {
                continue;
            }

            eligible++;
            var (views, completions, _) = _catalog.Stats(set[i].Row, set.Now, halfLife);
            var a = x.PriorAlpha + Math.Max(0f, completions);
            var b = x.PriorBeta + Math.Max(0f, views - completions);
            var draw = BetaSampler.Sample(rng, a, b);
            if (draw > bestDraw)
            {
                (best, bestDraw, alpha, beta) = (i, draw, a, b);
            }
        }

        if (best >= 0)
        {
            var cap = CapBroken(set, placed, best);
            Note(ref set[best], new Adjustment(
                "exploration",
                string.Create(CultureInfo.InvariantCulture,
                    $"exploration slot at position {position + 1}: Thompson draw {bestDraw:0.###} from Beta({alpha:0.#}, {beta:0.#}), best of {eligible} new videos{(cap is null ? string.Empty : $"; {cap} cap relaxed")}"),
                0f));
        }

        return best;
    }

    private int PickDiverse(CandidateSet set, List<int> pool, bool[] used, List<int> placed, int position, float lambda, MmrScratch? mmr)
    {
        var firstFree = -1;
        var firstAllowed = -1;
        var best = -1;
        var bestValue = float.NegativeInfinity;
        var bestSimilarity = 0f;
        var firstSimilarity = 0f;
        var considered = 0;
        var top = float.NaN;
        var bottom = float.NaN;
        var limit = _settings.Diversity.MmrPool;

        // The relevance range: the scores of the best and the last of the competing candidates (pool is in score order).
        foreach (var i in pool)
        {
            if (used[i])
            {
                continue;
            }

            top = float.IsNaN(top) ? set[i].Score : top;
            bottom = set[i].Score;
            if (++considered == limit)
            {
                break;
            }
        }

        var range = top > bottom ? top - bottom : 1f;
        considered = 0;
        foreach (var i in pool)
        {
            if (used[i])
            {
                continue;
            }

            firstFree = firstFree < 0 ? i : firstFree;
            if (considered++ == limit && firstAllowed >= 0)
            {
                break;
            }

            var cap = CapBroken(set, placed, i);
            if (cap is not null)
            {
                if (!HasDiversityNote(set[i].Adjustments))
                {
                    Note(ref set[i], new Adjustment("diversity", string.Create(CultureInfo.InvariantCulture, $"held back at position {position + 1} by the {cap} cap"), 0f));
                }

                continue;
            }

            if (mmr is null || placed.Count == 0)
            {
                // Relevance alone: the first candidate within the caps is the best.
                firstAllowed = i;
                best = i;
                break;
            }

            var similarity = MaxSimilarity(set, placed, i, mmr);
            var value = (lambda * (set[i].Score - bottom) / range) - ((1f - lambda) * similarity);
            if (firstAllowed < 0)
            {
                firstAllowed = i;
                firstSimilarity = similarity;
            }

            if (value > bestValue)
            {
                (best, bestValue, bestSimilarity) = (i, value, similarity);
            }
        }

        if (best >= 0)
        {
            if (best != firstAllowed)
            {
                Note(ref set[best], new Adjustment("mmr", string.Create(CultureInfo.InvariantCulture,
                    $"placed at position {position + 1} ahead of higher-scored {_catalog.Info(set[firstAllowed].Row).VideoId}: similarity to the feed so far {bestSimilarity:0.##} vs {firstSimilarity:0.##}"), 0f));
            }

            return best;
        }

        if (firstFree >= 0)
        {
            Note(ref set[firstFree], new Adjustment("cap_relaxed", string.Create(CultureInfo.InvariantCulture, $"placed at position {position + 1} despite caps: no other candidate left"), 0f));
        }

        return firstFree;
    }

    /// <summary>Max cosine similarity of candidate <paramref name="index"/> to the placed items, folding in only the items placed since its last call.</summary>
    private float MaxSimilarity(CandidateSet set, List<int> placed, int index, MmrScratch mmr)
    {
        var a = _catalog.Row(set[index].Row);
        var normA = mmr.Norm(index, a);
        var max = mmr.MaxSimilarity[index];
        for (var k = mmr.Folded[index]; k < placed.Count; k++)
        {
            var p = placed[k];
            var b = _catalog.Row(set[p].Row);
            var denominator = normA * mmr.Norm(p, b);
            max = MathF.Max(max, denominator > 0f ? TensorPrimitives.Dot(a, b) / denominator : 0f);
        }

        mmr.MaxSimilarity[index] = max;
        mmr.Folded[index] = placed.Count;
        return max;
    }

    /// <summary>Per-feed MMR state: each candidate's max similarity so far, how many placed items it covers, and cached norms.</summary>
    private sealed class MmrScratch
    {
        public MmrScratch(int count)
        {
            MaxSimilarity = new float[count];
            Array.Fill(MaxSimilarity, float.NegativeInfinity);
            Folded = new int[count];
            Norms = new float[count];
            Array.Fill(Norms, float.NaN);
        }

        public float[] MaxSimilarity { get; }

        public int[] Folded { get; }

        public float[] Norms { get; }

        public float Norm(int index, ReadOnlySpan<float> row)
        {
            var n = Norms[index];
            if (float.IsNaN(n))
            {
                n = Norms[index] = TensorPrimitives.Norm(row);
            }

            return n;
        }
    }

    private static bool HasDiversityNote(List<Adjustment>? list)
    {
        if (list is null)
        {
            return false;
        }

        foreach (var a in list)
        {
            if (a.Kind == "diversity")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Which cap placing candidate <paramref name="index"/> next would break ("creator"/"topic"), or null.</summary>
    private string? CapBroken(CandidateSet set, List<int> placed, int index)
    {
        var s = _settings.Rerank;
        var info = _catalog.Info(set[index].Row);
        var creators = 0;
        var topics = 0;
        for (var p = Math.Max(0, placed.Count - (s.DiversityWindow - 1)); p < placed.Count; p++)
        {
            var other = _catalog.Info(set[placed[p]].Row);
            creators += other.CreatorKey == info.CreatorKey ? 1 : 0;
            topics += info.Topic.Length > 0 && other.TopicKey == info.TopicKey ? 1 : 0;
        }

        return creators >= s.MaxPerCreatorInWindow ? "creator"
            : topics >= s.MaxPerTopicInWindow ? "topic"
            : null;
    }

    private static void Note(ref Candidate c, Adjustment a) => (c.Adjustments ??= []).Add(a);
}
