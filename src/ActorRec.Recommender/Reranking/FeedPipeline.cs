using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
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
    public FeedPipeline(VideoCatalog catalog, IVideoIndex index, ITrendingSource trending, ICandidateScorer scorer, FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Catalog = catalog;
        Retriever = new CandidateRetriever(catalog, index, trending, settings);
        Ranker = new FeedRanker(catalog, scorer, settings);
        Reranker = new FeedReranker(catalog, settings);
    }

    public FeedSettings Settings { get; }

    public VideoCatalog Catalog { get; }

    public CandidateRetriever Retriever { get; }

    public FeedRanker Ranker { get; }

    public FeedReranker Reranker { get; }

    /// <summary>A pipeline with the exact index, decayed-velocity trending and the CPU scorer over one catalog.</summary>
    public static FeedPipeline CreateDefault(FeedSettings settings, out VideoCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var index = new ExactVideoIndex(settings.EmbeddingDim);
        catalog = new VideoCatalog(settings.EmbeddingDim, index);
        return new FeedPipeline(catalog, index, new DecayedVelocityTrending(catalog, settings), new CpuCandidateScorer(), settings);
    }

    public CandidateSet Retrieve(UserState user, FeedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Retriever.Retrieve(user, request.Region, request.Now);
    }

    public void Rank(IReadOnlyList<CandidateSet> batch) => Ranker.ScoreBatch(batch);

    public FeedResult Finish(CandidateSet scored, FeedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Reranker.Rerank(scored, ClampCount(request.Count));
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
                    ["ranked"] = it.Parts.Total,
                    ["retrieval"] = it.RetrievalScore,
                    ["final"] = it.Score,
                };
                var adj = new AdjustmentDto[it.Adjustments.Count];
                for (var a = 0; a < adj.Length; a++)
                {
                    adj[a] = new AdjustmentDto(it.Adjustments[a].Kind, it.Adjustments[a].Detail, it.Adjustments[a].Delta);
                }

                ex = new ExplainDto(sources, parts, adj);
            }

            items[i] = new FeedItemDto(it.VideoId, it.Score, sources, ex);
        }

        return new FeedResponseDto(feed.UserId, items);
    }
}
