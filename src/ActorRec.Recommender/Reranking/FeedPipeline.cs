using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Model;
using ActorRec.Recommender.Ranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Users;

namespace ActorRec.Recommender.Reranking;

/// <summary>A feed request: how many items, for which region (null: the user's last), at what time.</summary>
public sealed record FeedRequest(int Count, string? Region, DateTimeOffset Now);

/// <summary>
/// Retrieval → ranking → re-ranking for one node. The three stages are exposed separately because they run in
/// different places: <see cref="Retrieve"/> reads the user's state (inside the UserActor's turn), <see cref="Rank"/>
/// scores many users' candidate sets in one micro-batch (the ranking actor), <see cref="Finish"/> re-ranks a scored
/// set (anywhere). <see cref="GetFeed"/> runs all three for one user, synchronously.
/// </summary>
public sealed class FeedPipeline
{
    private readonly ITrendingSource _trending;

    public FeedPipeline(VideoCatalog catalog, IVideoIndex index, ITrendingSource trending, ICandidateScorer scorer, FeedSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Catalog = catalog;
        Quality = new FeedQuality(settings, time);
        Retriever = new CandidateRetriever(catalog, index, trending, settings);
        Ranker = new FeedRanker(catalog, scorer, settings, Quality.Model);
        Reranker = new FeedReranker(catalog, settings);
        _trending = trending;
    }

    /// <summary><c>GET /v1/trending?region=R</c>: the event sketches, or the labelled catalog-velocity fallback (see <see cref="FeedQuality.Trending(string, ITrendingSource, VideoCatalog)"/>).</summary>
    public TrendingDto Trending(string region) => Quality.Trending(region, _trending, Catalog);

    public FeedSettings Settings { get; }

    public VideoCatalog Catalog { get; }

    public CandidateRetriever Retriever { get; }

    public FeedRanker Ranker { get; }

    public FeedReranker Reranker { get; }

    /// <summary>The ranking model, trends, experiments and diversity counters of this node.</summary>
    public FeedQuality Quality { get; }

    /// <summary>A pipeline with the exact index, decayed-velocity trending and the CPU scorer over one catalog.</summary>
    public static FeedPipeline CreateDefault(FeedSettings settings, out VideoCatalog catalog, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var index = new ExactVideoIndex(settings.EmbeddingDim);
        catalog = new VideoCatalog(settings.EmbeddingDim, index);
        return new FeedPipeline(catalog, index, new DecayedVelocityTrending(catalog, settings), new CpuCandidateScorer(), settings, time);
    }

    /// <summary>Retrieves the candidates and attaches what ranking needs of the user (embedding, events, device, experiment parameters).</summary>
    public CandidateSet Retrieve(UserState user, FeedRequest request)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        var set = Retriever.Retrieve(user, request.Region, request.Now);
        if (Quality.Model is not null)
        {
            set.UserEmbedding = user.EmbeddingToArray();
        }

        set.UserEvents = user.EventCount;
        set.Device = user.Device ?? string.Empty;
        set.Parameters = Quality.ParametersFor(user.UserId, out var arms);
        set.ExperimentArms = arms;
        return set;
    }

    public void Rank(IReadOnlyList<CandidateSet> batch) => Ranker.ScoreBatch(batch);

    /// <summary>Re-ranks a scored set into the feed and releases the set's candidate storage (the set is empty afterwards).</summary>
    public FeedResult Finish(CandidateSet scored, FeedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var feed = Reranker.Rerank(scored, ClampCount(request.Count));
        scored.Release();
        for (var i = 0; i < feed.Items.Count; i++)
        {
            Catalog.RecordPlacement(feed.Items[i].Row);
        }

        Quality.RecordFeed(feed.UserId, feed.Summary?.IntraListDiversity ?? 0);
        return feed;
    }

    public FeedResult GetFeed(UserState user, FeedRequest request)
    {
        var set = Retrieve(user, request);
        Rank([set]);
        return Finish(set, request);
    }

    public int ClampCount(int count) => count <= 0 ? Settings.Rerank.DefaultCount : Math.Min(count, Settings.Rerank.MaxCount);

    /// <summary>The wire form of a feed (<c>GET /v1/feed/{userId}</c>), with explanations when asked.</summary>
    public static FeedResponseDto ToDto(FeedResult feed, bool explain)
    {
        ArgumentNullException.ThrowIfNull(feed);
        var items = new FeedItemDto[feed.Items.Count];
        var weights = feed.Summary?.Parameters.Weights;
        var blend = feed.Summary?.Parameters.Blend ?? 0f;
        for (var i = 0; i < items.Length; i++)
        {
            var it = feed.Items[i];
            var sources = it.Sources.ToWireList();
            ExplainDto? ex = null;
            if (explain)
            {
                var parts = new Dictionary<string, float>(StringComparer.Ordinal)
                {
                    ["engage"] = it.Parts.Engage,
                    ["completion"] = it.Parts.Completion,
                    ["velocity"] = it.Parts.Velocity,
                    ["followBonus"] = it.Parts.FollowBonus,
                    ["model"] = it.Parts.Model,
                    ["ranked"] = it.Parts.Total,
                    ["retrieval"] = it.RetrievalScore,
                    ["final"] = it.Score,
                };
                var adj = new AdjustmentDto[it.Adjustments.Count];
                for (var a = 0; a < adj.Length; a++)
                {
                    adj[a] = new AdjustmentDto(it.Adjustments[a].Kind, it.Adjustments[a].Detail, it.Adjustments[a].Delta);
                }

                ex = new ExplainDto(sources, parts, adj, it.Tasks is { } t && weights is not null ? TaskParts(t, weights, blend) : null);
            }

            items[i] = new FeedItemDto(it.VideoId, it.Score, sources, ex);
        }

        FeedExplainDto? summary = null;
        if (explain && feed.Summary is { } s)
        {
            summary = new FeedExplainDto(s.IntraListDiversity, s.ExplorationSlots, s.Parameters.Exploration.BaseShare, s.Parameters.MmrLambda, s.Arms);
        }

        return new FeedResponseDto(feed.UserId, items, summary);
    }

    private static TaskPartDto[] TaskParts(TaskPredictions p, RankingScoreWeights w, float blend) =>
    [
        new("completion", p.Completion, w.Completion, blend * w.Completion * p.Completion),
        new("like", p.Like, w.Like, blend * w.Like * p.Like),
        new("share", p.Share, w.Share, blend * w.Share * p.Share),
        new("follow", p.Follow, w.Follow, blend * w.Follow * p.Follow),
        new("skip", p.Skip, w.Skip, blend * w.Skip * p.Skip),
        new("watchRatio", p.WatchRatio, w.WatchRatio, blend * w.WatchRatio * p.WatchRatio),
    ];
}
