using System.Buffers;
using System.Diagnostics;
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
            for (var q = 0; q < batch.Count; q++)
            {
                var set = batch[q];
                var items = set.Items;
                for (var i = 0; i < items.Length; i++)
                {
                    ref var c = ref items[i];
                    c.Parts = Mix(c, dots[offsets[q] + i], set.Now, set.UserEvents);
                    c.Score = c.Parts.Total;
                }

                Sort(items);
                if (_model is not null && set.UserEmbedding is not null)
                {
                    Rescore(set);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(queries);
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(dots);
        }
    }

    /// <summary>
    /// Sorts candidates by score descending, ties by ascending row. The order is carried by one 64-bit key per
    /// candidate (<see cref="SortKey"/>), sorted with the primitive comparer, so a few hundred candidates cost a few
    /// microseconds instead of a delegate call per comparison.
    /// </summary>
    public static void Sort(Span<Candidate> items)
    {
        if (items.Length < 2)
        {
            return;
        }

        var keys = ArrayPool<ulong>.Shared.Rent(items.Length);
        try
        {
            var span = keys.AsSpan(0, items.Length);
            for (var i = 0; i < items.Length; i++)
            {
                span[i] = SortKey(items[i].Score, items[i].Row);
            }

            span.Sort(items);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
        }
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

    private void Rescore(CandidateSet set)
    {
        var items = set.Items;
        var n = Math.Min(items.Length, _settings.Model.RescoreCandidates);
        if (n == 0)
        {
            return;
        }

        var parameters = set.Parameters;
        var weights = parameters?.Weights ?? _settings.Model.Weights;
        var blend = parameters?.Blend ?? _settings.Model.Blend;
        var rows = ArrayPool<int>.Shared.Rent(n);
        var predictions = ArrayPool<TaskPredictions>.Shared.Rent(n);
        try
        {
            for (var i = 0; i < n; i++)
            {
                rows[i] = items[i].Row;
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
                ref var c = ref items[i];
                var part = blend * (weights.Score(predictions[i]) - mean);
                floor = MathF.Min(floor, part);
                c.Tasks = predictions[i];
                c.Modeled = true;
                c.Parts = c.Parts with { Model = part, Total = c.Parts.Total * MathF.Exp(part) };
                c.Score = c.Parts.Total;
            }

            for (var i = n; i < items.Length; i++)
            {
                ref var c = ref items[i];
                c.Parts = c.Parts with { Model = floor, Total = c.Parts.Total * MathF.Exp(floor) };
                c.Score = c.Parts.Total;
            }

            Sort(items);
        }
        finally
        {
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

    private ScoreParts Mix(in Candidate c, float dot, DateTimeOffset now, long userEvents)
    {
        var r = _settings.Ranking;
        var engage = LearningRule.Sigmoid(r.EngageScale * dot);
        var (views, completions, velocity) = _catalog.Stats(c.Row, now, _settings.Video.VelocityHalfLife);
        var completion = (completions + r.CompletionPriorAlpha) / (views + r.CompletionPriorAlpha + r.CompletionPriorBeta);
        var vel = 1f - MathF.Exp(-Math.Max(0f, velocity) / r.VelocityScale);
        var follow = c.FollowedCreator ? r.FollowBonus : 0f;
        var total = (r.EngageWeight * engage) + (r.CompletionWeight * completion) + (PopularityWeight(r, userEvents) * vel) + follow
            + (r.CoEngagementWeight * c.CoEngagement);
        return new ScoreParts(engage, completion, vel, follow, total, CoEngage: c.CoEngagement);
    }
}
