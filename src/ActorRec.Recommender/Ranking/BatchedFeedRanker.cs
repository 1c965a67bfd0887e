using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Ranking;

/// <summary>
/// <see cref="FeedRanker"/> behind a <see cref="MicroBatcher{TRequest, TResult}"/>: candidate sets submitted within
/// ranking.batch-window (up to ranking.max-batch) are scored in one scorer call. This is the core of a ranking
/// actor; the returned task completes with the same set, scored and sorted.
/// </summary>
public sealed class BatchedFeedRanker : IDisposable
{
    private readonly FeedRanker _ranker;
    private readonly MicroBatcher<CandidateSet, CandidateSet> _batcher;

    public BatchedFeedRanker(FeedRanker ranker, RankingSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(ranker);
        ArgumentNullException.ThrowIfNull(settings);
        _ranker = ranker;
        _batcher = new MicroBatcher<CandidateSet, CandidateSet>(ScoreAll, settings.BatchWindow, settings.MaxBatch, time);
    }

    /// <summary>Scoring calls made so far (one per batch).</summary>
    public long Batches => _batcher.BatchCount;

    public long Requests => _batcher.RequestCount;

    public Task<CandidateSet> ScoreAsync(CandidateSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return _batcher.Submit(set);
    }

    public void Dispose() => _batcher.Dispose();

    private IReadOnlyList<CandidateSet> ScoreAll(IReadOnlyList<CandidateSet> batch)
    {
        _ranker.ScoreBatch(batch);
        return batch;
    }
}
