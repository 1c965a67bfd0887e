using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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
/// <para>
/// Cost: a feed re-ranks a few hundred candidates into ~10 items, so the per-candidate work must be tiny. The
/// adjustments are recorded as facts on the candidate (the fatigue penalty, the position and cap that first held
/// it back) and turned into <see cref="Adjustment"/> objects for the placed items only, whose text is formatted
/// only when read (explain=true). The per-feed working arrays (pool, used flags, MMR similarities and norms, cap
/// keys, Beta parameters) live in a per-thread scratch that is reused, and each cold-start candidate's Beta
/// parameters are read from the catalog once per feed, not once per exploration slot (the draws, and so the feed,
/// are unchanged).
/// </para>
/// </summary>
public sealed class FeedReranker
{
    private const byte CreatorCap = 1;
    private const byte TopicCap = 2;

    [ThreadStatic]
    private static Scratch? t_scratch;

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public FeedResult Rerank(CandidateSet set, int count)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var s = _settings.Rerank;
        var parameters = set.Parameters ?? _defaults;
        var items = set.Items;
        var scratch = t_scratch ??= new Scratch();
        scratch.Reset(items.Length, count);
        for (var i = 0; i < items.Length; i++)
        {
            ref var c = ref items[i];
            c.HeldBackAt = 0;
            var info = _catalog.Info(c.Row);
            scratch.UnsortedCreators[i] = info.CreatorKey;
            scratch.UnsortedTopics[i] = info.TopicKey;
            scratch.UnsortedHasTopic[i] = info.Topic.Length > 0;
            scratch.Approved[i] = info.Moderation == ModerationState.Approved;
            if (!scratch.Approved[i])
            {
                set.Filtered.Moderated++;
                continue;
            }

            ApplyFatigue(ref c, s);
        }

        // Sort keys and indices, then move the candidates (and their cap keys) once into score order (ties by row).
        FeedRanker.SortedOrder(items, scratch.Keys, scratch.Order);
        FeedRanker.Permute(items, scratch.Order.AsSpan(0, items.Length));
        for (var k = 0; k < items.Length; k++)
        {
            var i = scratch.Order[k];
            scratch.CreatorKeys[k] = scratch.UnsortedCreators[i];
            scratch.TopicKeys[k] = scratch.UnsortedTopics[i];
            scratch.HasTopic[k] = scratch.UnsortedHasTopic[i];
            if (scratch.Approved[i])
            {
                scratch.Pool[scratch.PoolCount++] = k;
            }
        }

        var useMmr = parameters.MmrLambda < 1f;
        var slots = parameters.Exploration.SlotsFor(count, set.UserEvents);
        var explored = 0;
        Random? rng = null;
        while (scratch.PlacedCount < count)
        {
            var position = scratch.PlacedCount;
            var pick = -1;
            if (slots > 0 && ((position + 1) * slots / count) > (position * slots / count))
            {
                rng ??= new Random(unchecked((int)(set.Seed ^ (set.Seed >> 32))));
                pick = PickExploration(set, scratch, rng, position);
                explored += pick >= 0 ? 1 : 0;
            }

            if (pick < 0)
            {
                pick = PickDiverse(set, scratch, position, parameters.MmrLambda, useMmr);
            }

            if (pick < 0)
            {
                break;
            }

            scratch.Used[pick] = true;
            scratch.Placed[scratch.PlacedCount++] = pick;
        }

        var placedCount = scratch.PlacedCount;
        var result = new FeedItem[placedCount];
        var rows = new int[placedCount];
        for (var p = 0; p < placedCount; p++)
        {
            ref var c = ref set[scratch.Placed[p]];
            rows[p] = c.Row;
            result[p] = new FeedItem(_catalog.Info(c.Row).VideoId, c.Row, c.Score, c.Sources, c.Parts, c.RetrievalScore,
                AdjustmentsOf(ref c, scratch.Notes[p]), c.Modeled ? c.Tasks : null);
        }

        scratch.ClearNotes();
        var summary = new FeedSummary(IntraListDiversity.Compute(rows, _catalog), explored, parameters, set.ExperimentArms);
        return new FeedResult(set.UserId, result, set.Filtered, set.Count, summary);
    }

    /// <summary>The adjustments of a placed candidate, in the order they happened: fatigue, held back by a cap, the placement itself.</summary>
    private static Adjustment[] AdjustmentsOf(ref Candidate c, Adjustment? placement)
    {
        var n = (c.FatiguePenalty > 0f ? 1 : 0) + (c.HeldBackAt > 0 ? 1 : 0) + (placement is null ? 0 : 1);
        if (n == 0)
        {
            return [];
        }

        var list = new Adjustment[n];
        var k = 0;
        if (c.FatiguePenalty > 0f)
        {
            var factor = 1f - c.FatiguePenalty;
            var before = factor > 0f ? c.Score / factor : 0f;
            list[k++] = new Adjustment(AdjustmentKinds.Fatigue, c.Score - before, new AdjustmentFacts(0, c.TopicFatigue, c.CreatorFatigue, factor));
        }

        if (c.HeldBackAt > 0)
        {
            list[k++] = new Adjustment(AdjustmentKinds.Diversity, 0f, new AdjustmentFacts(c.HeldBackAt, Cap: CapName(c.HeldBackCap)));
        }

        if (placement is not null)
        {
            list[k] = placement;
        }

        return list;
    }

    private static string? CapName(byte cap) => cap switch
    {
        CreatorCap => "creator",
        TopicCap => "topic",
        _ => null,
    };

    private static void ApplyFatigue(ref Candidate c, RerankSettings s)
    {
        var penalty = s.MaxFatiguePenalty * (1f - MathF.Exp(-((s.TopicFatigueWeight * c.TopicFatigue) + (s.CreatorFatigueWeight * c.CreatorFatigue))));
        if (penalty <= 0f)
        {
            c.FatiguePenalty = 0f;
            return;
        }

        c.Score *= 1f - penalty;
        c.FatiguePenalty = penalty;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int PickExploration(CandidateSet set, Scratch scratch, Random rng, int position)
    {
        var x = _settings.Exploration;
        var halfLife = _settings.Video.VelocityHalfLife;
        var best = -1;
        var bestDraw = -1.0;
        var eligible = 0;
        double alpha = 0, beta = 0;
        var pool = scratch.Pool;
        for (var q = 0; q < scratch.PoolCount; q++)
        {
            var i = pool[q];
            if (scratch.Used[i] || (set[i].Sources & RetrievalSource.ColdStart) == 0)
            {
                continue;
            }

            eligible++;
            var a = scratch.Alpha[i];
            var b = scratch.Beta[i];
            if (double.IsNaN(a))
            {
                var (views, completions, _) = _catalog.Stats(set[i].Row, set.Now, halfLife);
                a = scratch.Alpha[i] = x.PriorAlpha + Math.Max(0f, completions);
                b = scratch.Beta[i] = x.PriorBeta + Math.Max(0f, views - completions);
            }

            var draw = BetaSampler.Sample(rng, a, b);
            if (draw > bestDraw)
            {
                (best, bestDraw, alpha, beta) = (i, draw, a, b);
            }
        }

        if (best >= 0)
        {
            var cap = CapName(CapBroken(scratch, best));
            scratch.Notes[position] = new Adjustment(AdjustmentKinds.Exploration, 0f, new AdjustmentFacts(position + 1, bestDraw, alpha, beta, eligible, Cap: cap));
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int PickDiverse(CandidateSet set, Scratch scratch, int position, float lambda, bool useMmr)
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
        var pool = scratch.Pool;
        var used = scratch.Used;

        // The relevance range: the scores of the best and the last of the competing candidates (pool is in score order).
        for (var q = 0; q < scratch.PoolCount; q++)
        {
            var i = pool[q];
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
        for (var q = 0; q < scratch.PoolCount; q++)
        {
            var i = pool[q];
            if (used[i])
            {
                continue;
            }

            firstFree = firstFree < 0 ? i : firstFree;
            if (considered++ == limit && firstAllowed >= 0)
            {
                break;
            }

            var cap = CapBroken(scratch, i);
            if (cap != 0)
            {
                ref var held = ref set[i];
                if (held.HeldBackAt == 0)
                {
                    held.HeldBackAt = position + 1;
                    held.HeldBackCap = cap;
                }

                continue;
            }

            if (!useMmr || scratch.PlacedCount == 0)
            {
                // Relevance alone: the first candidate within the caps is the best.
                firstAllowed = i;
                best = i;
                break;
            }

            var similarity = MaxSimilarity(set, scratch, i);
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
                scratch.Notes[position] = new Adjustment(AdjustmentKinds.Mmr, 0f,
                    new AdjustmentFacts(position + 1, bestSimilarity, firstSimilarity, Text: _catalog.Info(set[firstAllowed].Row).VideoId));
            }

            return best;
        }

        if (firstFree >= 0)
        {
            scratch.Notes[position] = new Adjustment(AdjustmentKinds.CapRelaxed, 0f, new AdjustmentFacts(position + 1));
        }

        return firstFree;
    }

    /// <summary>Max cosine similarity of candidate <paramref name="index"/> to the placed items, folding in only the items placed since its last call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float MaxSimilarity(CandidateSet set, Scratch scratch, int index)
    {
        var a = _catalog.Row(set[index].Row);
        var normA = scratch.Norm(index, a);
        var max = scratch.MaxSimilarity[index];
        for (var k = scratch.Folded[index]; k < scratch.PlacedCount; k++)
        {
            var p = scratch.Placed[k];
            var b = _catalog.Row(set[p].Row);
            var denominator = normA * scratch.Norm(p, b);
            max = MathF.Max(max, denominator > 0f ? TensorPrimitives.Dot(a, b) / denominator : 0f);
        }

        scratch.MaxSimilarity[index] = max;
        scratch.Folded[index] = scratch.PlacedCount;
        return max;
    }

    /// <summary>Which cap placing candidate <paramref name="index"/> next would break: <see cref="CreatorCap"/>, <see cref="TopicCap"/> or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private byte CapBroken(Scratch scratch, int index)
    {
        var s = _settings.Rerank;
        var creator = scratch.CreatorKeys[index];
        var topic = scratch.TopicKeys[index];
        var hasTopic = scratch.HasTopic[index];
        var creators = 0;
        var topics = 0;
        for (var p = Math.Max(0, scratch.PlacedCount - (s.DiversityWindow - 1)); p < scratch.PlacedCount; p++)
        {
            var other = scratch.Placed[p];
            creators += scratch.CreatorKeys[other] == creator ? 1 : 0;
            topics += hasTopic && scratch.TopicKeys[other] == topic ? 1 : 0;
        }

        return creators >= s.MaxPerCreatorInWindow ? CreatorCap
            : topics >= s.MaxPerTopicInWindow ? TopicCap
            : (byte)0;
    }

    /// <summary>
    /// One thread's re-ranking working arrays, indexed by candidate (or by feed position for
    /// <see cref="Placed"/> and <see cref="Notes"/>); grown on demand and reset per feed.
    /// </summary>
    private sealed class Scratch
    {
        public int[] Pool = [];
        public int PoolCount;
        public bool[] Used = [];
        public int[] Placed = [];
        public int PlacedCount;
        public Adjustment?[] Notes = [];
        public float[] MaxSimilarity = [];
        public int[] Folded = [];
        public float[] Norms = [];
        public ulong[] CreatorKeys = [];
        public ulong[] TopicKeys = [];
        public bool[] HasTopic = [];
        public bool[] Approved = [];
        public ulong[] UnsortedCreators = [];
        public ulong[] UnsortedTopics = [];
        public bool[] UnsortedHasTopic = [];
        public ulong[] Keys = [];
        public int[] Order = [];
        public double[] Alpha = [];
        public double[] Beta = [];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Reset(int candidates, int positions)
        {
            if (Pool.Length < candidates)
            {
                var n = Math.Max(candidates, Pool.Length * 2);
                Pool = new int[n];
                Used = new bool[n];
                MaxSimilarity = new float[n];
                Folded = new int[n];
                Norms = new float[n];
                CreatorKeys = new ulong[n];
                TopicKeys = new ulong[n];
                HasTopic = new bool[n];
                Approved = new bool[n];
                UnsortedCreators = new ulong[n];
                UnsortedTopics = new ulong[n];
                UnsortedHasTopic = new bool[n];
                Keys = new ulong[n];
                Order = new int[n];
                Alpha = new double[n];
                Beta = new double[n];
            }

            if (Placed.Length < positions)
            {
                Placed = new int[positions];
                Notes = new Adjustment?[positions];
            }

            PoolCount = 0;
            PlacedCount = 0;
            Array.Clear(Notes);
            Array.Clear(Used, 0, candidates);
            Array.Fill(MaxSimilarity, float.NegativeInfinity, 0, candidates);
            Array.Clear(Folded, 0, candidates);
            Array.Fill(Norms, float.NaN, 0, candidates);
            Array.Fill(Alpha, double.NaN, 0, candidates);
        }

        public void ClearNotes() => Array.Clear(Notes, 0, PlacedCount);

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
}
