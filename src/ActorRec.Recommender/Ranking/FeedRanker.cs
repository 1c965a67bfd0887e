using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Learning;
using ActorRec.Recommender.Model;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Ranking;

/// <summary>
/// Scores a batch of candidate sets in one <see cref="ICandidateScorer"/> call, then mixes the parts:
/// <c>total = w_e·σ(scale·q·v) + w_c·(completions + α)/(views + α + β) + w_v·(1 − e^{−velocity/velocity-scale}) +
/// follow-bonus·[creator followed] + w_co·co-engagement</c> (the candidate's <see cref="Candidate.CoEngagement"/>; the
/// velocity weight is raised for new users, see <see cref="PopularityWeight"/>), weights from <c>actorrec.feed.ranking</c>. Each set ends sorted by score,
/// best first (ties by row, so equal inputs give equal feeds). Stateless apart from settings: any thread, any node.
/// <para>
/// With a ranking model, that mix is the pre-rank: the best <c>model.rescore-candidates</c> of each set are then
/// scored by the multi-task model in one batched forward pass. With m = Σ w_task · p_task (weights and blend from the
/// user's experiment arms when set) and m̄ its mean over the re-scored candidates, the model part is
/// <c>blend · (m − m̄)</c> and the score becomes <c>pre-rank · e^(model part)</c>: relative within the feed, so an
/// untrained model (equal predictions) leaves the pre-rank untouched, and multiplicative, so the score stays positive
/// and fatigue keeps its meaning. Candidates not re-scored get the smallest model part of the re-scored ones, so the
/// model can lift a candidate above another but never lets an unscored one jump.
/// </para>
/// </summary>
public sealed class FeedRanker
{
    private readonly VideoCatalog _catalog;
    private readonly ICandidateScorer _scorer;
    private readonly FeedSettings _settings;
    private readonly RankingModelService? _model;

    public FeedRanker(VideoCatalog catalog, ICandidateScorer scorer, FeedSettings settings, RankingModelService? model = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(settings);
        _catalog = catalog;
        _scorer = scorer;
        _settings = settings;
        _model = model;
    }

    /// <summary>Scores every candidate of every set (one scorer call for the batch) and sorts each set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ScoreBatch(IReadOnlyList<CandidateSet> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var dim = _settings.EmbeddingDim;
        var total = 0;
        for (var q = 0; q < batch.Count; q++)
        {
            total += batch[q].Count;
        }

        var queries = ArrayPool<float>.Shared.Rent(Math.Max(1, batch.Count * dim));
        var offsets = ArrayPool<int>.Shared.Rent(batch.Count + 1);
        var rows = ArrayPool<int>.Shared.Rent(Math.Max(1, total));
        var dots = ArrayPool<float>.Shared.Rent(Math.Max(1, total));
        var views = ArrayPool<float>.Shared.Rent(Math.Max(1, total));
        var completions = ArrayPool<float>.Shared.Rent(Math.Max(1, total));
        var velocity = ArrayPool<float>.Shared.Rent(Math.Max(1, total));
        try
        {
            var at = 0;
            for (var q = 0; q < batch.Count; q++)
            {
                var set = batch[q];
                set.Query.AsSpan().CopyTo(queries.AsSpan(q * dim, dim));
                offsets[q] = at;
                foreach (ref var c in set.Items)
                {
                    rows[at++] = c.Row;
                }
            }

            offsets[batch.Count] = at;
            _scorer.ScoreBatch(queries.AsSpan(0, batch.Count * dim), offsets.AsSpan(0, batch.Count + 1), rows.AsSpan(0, total), _catalog, dots.AsSpan(0, total));
            var r = _settings.Ranking;
            for (var q = 0; q < batch.Count; q++)
            {
                var set = batch[q];
                var items = set.Items;
                var o = offsets[q];
                _catalog.GatherStats(rows.AsSpan(o, items.Length), set.Now, _settings.Video.VelocityHalfLife, views.AsSpan(o), completions.AsSpan(o), velocity.AsSpan(o));
                var popularity = PopularityWeight(r, set.UserEvents);
                for (var i = 0; i < items.Length; i++)
                {
                    ref var c = ref items[i];
                    c.Parts = Mix(r, c, dots[o + i], views[o + i], completions[o + i], velocity[o + i], popularity);
                    c.Score = c.Parts.Total;
                }

                if (_model is not null && set.UserEmbedding is not null)
                {
                    Rescore(set);
                }
                else
                {
                    Sort(items);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(queries);
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(dots);
            ArrayPool<float>.Shared.Return(views);
            ArrayPool<float>.Shared.Return(completions);
            ArrayPool<float>.Shared.Return(velocity);
        }
    }

    /// <summary>
    /// Sorts candidates by score descending, ties by ascending row. The order is carried by one 64-bit key per
    /// candidate (<see cref="SortKey"/>) sorted with the candidate's index, then the candidates are moved once into
    /// that order: a candidate is ~100 bytes, so sorting the keys and indices costs a fraction of swapping candidates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort(Span<Candidate> items)
    {
        if (items.Length < 2)
        {
            return;
        }

        var keys = ArrayPool<ulong>.Shared.Rent(items.Length);
        var order = ArrayPool<int>.Shared.Rent(items.Length);
        try
        {
            var k = keys.AsSpan(0, items.Length);
            var o = order.AsSpan(0, items.Length);
            for (var i = 0; i < items.Length; i++)
            {
                k[i] = SortKey(items[i].Score, items[i].Row);
                o[i] = i;
            }

            k.Sort(o);
            Permute(items, o);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
            ArrayPool<int>.Shared.Return(order);
        }
    }

    /// <summary>
    /// Writes into <paramref name="order"/> the candidate indices in <see cref="Sort"/>'s order (score descending,
    /// ties by ascending row) without moving the candidates; <paramref name="keys"/> receives their keys, ascending.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SortedOrder(ReadOnlySpan<Candidate> items, Span<ulong> keys, Span<int> order)
    {
        if (keys.Length < items.Length || order.Length < items.Length)
        {
            throw new ArgumentException($"{items.Length} candidates need {items.Length} keys and indices (got {keys.Length} and {order.Length}).", nameof(keys));
        }

        var k = keys[..items.Length];
        var o = order[..items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            k[i] = SortKey(items[i].Score, items[i].Row);
            o[i] = i;
        }

        k.Sort(o);
    }

    /// <summary>
    /// A key whose ascending order is score descending, then row ascending: the score's bits mapped to an unsigned
    /// value that grows with the score (sign bit flipped for positives, all bits for negatives; −0 counts as +0),
    /// inverted, in the high half; the row in the low half. NaN sorts as −∞.
    /// </summary>
    public static ulong SortKey(float score, int row)
    {
        Debug.Assert(row >= 0, "catalog rows are not negative");
        var bits = BitConverter.SingleToUInt32Bits(float.IsNaN(score) ? float.NegativeInfinity : score + 0f);
        var ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)~ordered << 32) | (uint)row;
    }

    /// <summary>Moves <paramref name="items"/> into the order of <paramref name="order"/> (a permutation of their indices).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Permute(Span<Candidate> items, ReadOnlySpan<int> order)
    {
        var copy = ArrayPool<Candidate>.Shared.Rent(items.Length);
        try
        {
            items.CopyTo(copy);
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = copy[order[i]];
            }
        }
        finally
        {
            ArrayPool<Candidate>.Shared.Return(copy);
        }
    }

    /// <summary>
    /// Re-scores the best <c>model.rescore-candidates</c> of the pre-rank with the model and leaves the set sorted.
    /// The pre-rank is sorted as keys and indices only (nothing moves); after the model, the re-scored candidates
    /// are sorted among themselves, and the rest keep their order: each was multiplied by the same positive factor
    /// e^floor, and every re-scored candidate's factor is at least that, so the order of the whole is the re-scored
    /// ones sorted, then the rest as they were. One check of the keys confirms it (float rounding can make two scores
    /// equal, where the row decides); if it fails, the whole set is sorted. The candidates move once, at the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Rescore(CandidateSet set)
    {
        var items = set.Items;
        var count = items.Length;
        var n = Math.Min(count, _settings.Model.RescoreCandidates);
        if (n == 0)
        {
            Sort(items);
            return;
        }

        var parameters = set.Parameters;
        var weights = parameters?.Weights ?? _settings.Model.Weights;
        var blend = parameters?.Blend ?? _settings.Model.Blend;
        var keys = ArrayPool<ulong>.Shared.Rent(count);
        var order = ArrayPool<int>.Shared.Rent(count);
        var rows = ArrayPool<int>.Shared.Rent(n);
        var predictions = ArrayPool<TaskPredictions>.Shared.Rent(n);
        try
        {
            var k = keys.AsSpan(0, count);
            var o = order.AsSpan(0, count);
            SortedOrder(items, k, o);
            for (var i = 0; i < n; i++)
            {
                rows[i] = items[o[i]].Row;
            }

            var context = new RankingContext(set.Region, set.Device, set.Now.UtcDateTime.Hour);
            _model!.PredictBatch(set.UserEmbedding, rows.AsSpan(0, n), _catalog, context, predictions.AsSpan(0, n));
            var mean = 0f;
            for (var i = 0; i < n; i++)
            {
                mean += weights.Score(predictions[i]);
            }

            mean /= n;
            var floor = float.PositiveInfinity;
            for (var i = 0; i < n; i++)
            {
                ref var c = ref items[o[i]];
                var part = blend * (weights.Score(predictions[i]) - mean);
                floor = MathF.Min(floor, part);
                c.Tasks = predictions[i];
                c.Modeled = true;
                c.Parts = c.Parts with { Model = part, Total = c.Parts.Total * MathF.Exp(part) };
                c.Score = c.Parts.Total;
                k[i] = SortKey(c.Score, c.Row);
            }

            for (var i = n; i < count; i++)
            {
                ref var c = ref items[o[i]];
                c.Parts = c.Parts with { Model = floor, Total = c.Parts.Total * MathF.Exp(floor) };
                c.Score = c.Parts.Total;
                k[i] = SortKey(c.Score, c.Row);
            }

            k[..n].Sort(o[..n]);
            var ordered = true;
            for (var i = n; i < count && ordered; i++)
            {
                ordered = k[i - 1] < k[i];
            }

            if (!ordered)
            {
                k.Sort(o);
            }

            Permute(items, o);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
            ArrayPool<int>.Shared.Return(order);
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<TaskPredictions>.Shared.Return(predictions);
        }
    }

    /// <summary>
    /// The velocity (popularity) weight for a user with <paramref name="userEvents"/> events: velocity-weight plus
    /// new-user-popularity-weight · (1 − events / new-user-events) while the user is new (the popularity prior).
    /// </summary>
    public static float PopularityWeight(RankingSettings r, long userEvents)
    {
        ArgumentNullException.ThrowIfNull(r);
        var fresh = 1f - Math.Min(1f, userEvents / (float)r.NewUserEvents);
        return r.VelocityWeight + (r.NewUserPopularityWeight * fresh);
    }

    private static ScoreParts Mix(RankingSettings r, in Candidate c, float dot, float views, float completions, float velocity, float popularityWeight)
    {
        var engage = LearningRule.Sigmoid(r.EngageScale * dot);
        var completion = (completions + r.CompletionPriorAlpha) / (views + r.CompletionPriorAlpha + r.CompletionPriorBeta);
        var vel = 1f - MathF.Exp(-Math.Max(0f, velocity) / r.VelocityScale);
        var follow = c.FollowedCreator ? r.FollowBonus : 0f;
        var total = (r.EngageWeight * engage) + (r.CompletionWeight * completion) + (popularityWeight * vel) + follow
            + (r.CoEngagementWeight * c.CoEngagement);
        return new ScoreParts(engage, completion, vel, follow, total, CoEngage: c.CoEngagement);
    }
}
