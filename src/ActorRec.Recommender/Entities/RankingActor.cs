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
/// One ranking actor of the node's pool. Feed requests (<see cref="RankFeed"/>) are micro-batched and the batch is
/// scored in one scorer call (<see cref="FeedPipeline.Rank"/>) when it holds <c>ranking.max-batch</c> requests, or:
/// <list type="bullet">
/// <item>with <c>ranking.flush-when-idle</c> (the default), as soon as every request queued for the actor has been
/// taken: the first request of a batch sends the actor a marker, which the mailbox delivers after the requests that
/// were queued before it. A lone request is scored at once instead of waiting out the window (it cost one feed
/// 2 ms of its latency), and under load the batch is whatever queued while the previous one was scored.</item>
/// <item>otherwise when a timer of <c>ranking.batch-window</c>, started by the batch's first request, fires. The timer
/// is a named actor timer on the system clock, so tests drive batching with virtual time.</item>
/// </list>
/// Each request is then re-ranked and its <see cref="FeedResult"/> sent to its own sender.
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
                    if (_pipeline.Settings.Ranking.FlushWhenIdle)
                    {
                        Self.Tell(QueueTaken.Instance, Self);
                    }
                    else
                    {
                        Timers.StartSingleTimer(WindowKey, WindowElapsed.Instance, _pipeline.Settings.Ranking.BatchWindow);
                    }
                }

                return true;
            case WindowElapsed:
                Flush();
                return true;
            case QueueTaken:
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
        if (!_pipeline.Settings.Ranking.FlushWhenIdle)
        {
            Timers.Cancel(WindowKey);
        }

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

    /// <summary>The marker behind the requests that were queued when a batch began (flush-when-idle).</summary>
    private sealed class QueueTaken
    {
        public static readonly QueueTaken Instance = new();
    }
}
