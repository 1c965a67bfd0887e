using ActorRec.Actors;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Entities;

/// <summary>Asks a ranking actor for its counters. Reply: <see cref="RankingStats"/>.</summary>
public sealed class GetRankingStats
{
    private GetRankingStats()
    {
    }

    public static GetRankingStats Instance { get; } = new();
}

/// <summary>Scoring calls made (one per batch) and feed requests ranked by one ranking actor.</summary>
public sealed record RankingStats(long Batches, long Requests);

/// <summary>
/// One ranking actor of the node's pool. Feed requests (<see cref="RankFeed"/>) are micro-batched: the first request
/// of a batch starts a timer of <c>ranking.batch-window</c>; the batch is scored in one scorer call
/// (<see cref="FeedPipeline.Rank"/>) when the timer fires or when it holds <c>ranking.max-batch</c> requests. Each
/// request is then re-ranked and its <see cref="FeedResult"/> sent to its own sender. The timer is a named actor
/// timer on the system clock, so tests drive batching with virtual time.
/// </summary>
public sealed class RankingActor : ActorBase
{
    private const string WindowKey = "batch-window";
    private readonly FeedPipeline _pipeline;
    private readonly List<CandidateSet> _sets;
    private readonly List<(FeedRequest Request, IActorRef? Sender)> _waiting;
    private long _batches;
    private long _requests;

    public RankingActor(FeedPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
        _sets = new List<CandidateSet>(pipeline.Settings.Ranking.MaxBatch);
        _waiting = new List<(FeedRequest, IActorRef?)>(pipeline.Settings.Ranking.MaxBatch);
    }

    public static Props Props(FeedPipeline pipeline) => Actors.Props.Create(() => new RankingActor(pipeline));

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case RankFeed rank:
                _sets.Add(rank.Candidates);
                _waiting.Add((rank.Request, Sender));
                if (_sets.Count >= _pipeline.Settings.Ranking.MaxBatch)
                {
                    Flush();
                }
                else if (_sets.Count == 1)
                {
                    Timers.StartSingleTimer(WindowKey, WindowElapsed.Instance, _pipeline.Settings.Ranking.BatchWindow);
                }

                return true;
            case WindowElapsed:
                Flush();
                return true;
            case GetRankingStats:
                Sender?.Tell(new RankingStats(_batches, _requests), Self);
                return true;
            default:
                return false;
        }
    }

    private void Flush()
    {
        Timers.Cancel(WindowKey);
        if (_sets.Count == 0)
        {
            return;
        }

        _batches++;
        _requests += _sets.Count;
        try
        {
            _pipeline.Rank(_sets);
            for (var i = 0; i < _sets.Count; i++)
            {
                var result = _pipeline.Finish(_sets[i], _waiting[i].Request);
                _waiting[i].Sender?.Tell(result, Self);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            foreach (var (_, sender) in _waiting)
            {
                sender?.Tell(new EntityFailure($"ranking failed: {ex.Message}"), Self);
            }
        }
        finally
        {
            _sets.Clear();
            _waiting.Clear();
        }
    }

    private sealed class WindowElapsed
    {
        public static readonly WindowElapsed Instance = new();
    }
}
