namespace ActorRec.Recommender.Domain;

/// <summary>Which nearest-neighbour index retrieval uses (<c>actorrec.feed.retrieval.index</c>).</summary>
public enum VideoIndexKind
{
    /// <summary>An HNSW graph (approximate, sub-linear): <c>hnsw</c>.</summary>
    Hnsw,

    /// <summary>The exact SIMD scan of every row (linear in the catalog): <c>exact</c>.</summary>
    Exact,

    /// <summary>Inverted lists of int8 codes with an exact re-rank (approximate, the fastest): <c>ivf</c>.</summary>
    Ivf,
}

/// <summary>Candidate retrieval quotas (<c>actorrec.feed.retrieval</c>).</summary>
public sealed record RetrievalSettings
{
    /// <summary>Candidates from nearest neighbours of the user embedding.</summary>
    public int EmbeddingQuota { get; init; } = 100;

    /// <summary>Candidates similar to recently engaged videos (split over the seeds).</summary>
    public int SimilarQuota { get; init; } = 60;

    /// <summary>Recent positives used as seeds of the similar path.</summary>
    public int SimilarSeeds { get; init; } = 3;

    public int TrendingQuota { get; init; } = 40;

    public int FollowingQuota { get; init; } = 40;

    /// <summary>Candidates from videos still in their cold-start test audience.</summary>
    public int ColdStartQuota { get; init; } = 30;

    /// <summary>Each path asks its source for quota × this, so that filtering still leaves the quota.</summary>
    public float Oversample { get; init; } = 2f;

    /// <summary>
    /// The embedding path first asks the index for embedding-quota × this (at most × <see cref="Oversample"/>); only
    /// when the filters leave fewer than the quota does it ask again for quota × oversample. The search's width, and
    /// so its cost, follows the number asked.
    /// </summary>
    public float EmbeddingFirstOversample { get; init; } = 1.25f;

    /// <summary>Followed creators' videos younger than this are retrieved.</summary>
    public TimeSpan FollowingMaxAge { get; init; } = TimeSpan.FromDays(14);

    /// <summary>How long a video's nearest neighbours are reused by the similar path (0 turns the cache off).</summary>
    public TimeSpan SimilarCacheTtl { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Videos whose neighbour lists are cached at most.</summary>
    public int SimilarCacheCapacity { get; init; } = 100_000;

    /// <summary>How long the decayed-velocity trending lists are cached per region.</summary>
    public TimeSpan TrendingRefresh { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The nearest-neighbour index of the embedding and similar paths: IVF (default), HNSW or the exact scan.</summary>
    public VideoIndexKind Index { get; init; } = VideoIndexKind.Ivf;

    /// <summary>IVF target videos per inverted list (the index keeps about live / this lists).</summary>
    public int IvfListSize { get; init; } = 256;

    /// <summary>IVF lists scanned per search.</summary>
    public int IvfProbes { get; init; } = 6;

    /// <summary>IVF candidates re-scored in float per search, as a multiple of the hits asked for.</summary>
    public float IvfRerank { get; init; } = 1.2f;

    /// <summary>HNSW links per node on the upper layers (layer 0 keeps twice as many).</summary>
    public int HnswM { get; init; } = 16;

    /// <summary>HNSW candidate list size while linking a node.</summary>
    public int HnswEfConstruction { get; init; } = 64;

    /// <summary>HNSW candidate list size of a search (raised to the number of hits asked for when smaller).</summary>
    public int HnswEfSearch { get; init; } = 64;

    /// <summary>A video's HNSW node is re-linked only when 1 − cosine(new embedding, linked embedding) exceeds this.</summary>
    public float HnswReindexDrift { get; init; } = 0.02f;

    /// <summary>Candidates co-engaged with the user's recent positives (the co-engagement table's partners).</summary>
    public int CoEngagedQuota { get; init; } = 60;

    /// <summary>Partners the co-engagement table keeps per video (its memory: 8 bytes a partner a video).</summary>
    public int CoEngagementNeighbours { get; init; } = 128;

    /// <summary>Recent positives paired with a new positive, and used as seeds of the co-engaged path and feature.</summary>
    public int CoEngagementWindow { get; init; } = 10;

    /// <summary>Weight ratio between successive recent positives (the most recent weighs 1).</summary>
    public float CoEngagementDecay { get; init; } = 0.8f;

    internal void Validate(string p)
    {
        SettingCheck.Range($"{p}.co-engaged-quota", CoEngagedQuota, 0, 100_000);
        SettingCheck.Range($"{p}.co-engagement.neighbours", CoEngagementNeighbours, 1, 1024);
        SettingCheck.Range($"{p}.co-engagement.window", CoEngagementWindow, 1, 64);
        SettingCheck.Range($"{p}.co-engagement.decay", CoEngagementDecay, 0.001f, 1f);
        if (!Enum.IsDefined(Index))
        {
            throw new FeedSettingsException($"{p}.index", $"must be ivf, hnsw or exact (got {Index})");
        }

        SettingCheck.Range($"{p}.ivf.list-size", IvfListSize, 16, 1_000_000);
        SettingCheck.Range($"{p}.ivf.probes", IvfProbes, 1, 65_536);
        SettingCheck.Range($"{p}.ivf.rerank", IvfRerank, 1f, 100f);

        SettingCheck.Range($"{p}.hnsw.m", HnswM, 2, 256);
        SettingCheck.Range($"{p}.hnsw.ef-construction", HnswEfConstruction, HnswM, 100_000);
        SettingCheck.Range($"{p}.hnsw.ef-search", HnswEfSearch, 1, 100_000);
        SettingCheck.Range($"{p}.hnsw.reindex-drift", HnswReindexDrift, 0, 0.999f);
        SettingCheck.Range($"{p}.embedding-quota", EmbeddingQuota, 0, 100_000);
        SettingCheck.Range($"{p}.similar-quota", SimilarQuota, 0, 100_000);
        SettingCheck.Range($"{p}.similar-seeds", SimilarSeeds, 0, 1000);
        SettingCheck.Range($"{p}.trending-quota", TrendingQuota, 0, 100_000);
        SettingCheck.Range($"{p}.following-quota", FollowingQuota, 0, 100_000);
        SettingCheck.Range($"{p}.cold-start-quota", ColdStartQuota, 0, 100_000);
        SettingCheck.Range($"{p}.oversample", Oversample, 1, 100);
        SettingCheck.Range($"{p}.embedding-first-oversample", EmbeddingFirstOversample, 1, 100);
        SettingCheck.Positive($"{p}.following-max-age", FollowingMaxAge);
        SettingCheck.Positive($"{p}.trending-refresh", TrendingRefresh);
        if (SimilarCacheTtl < TimeSpan.Zero)
        {
            throw new FeedSettingsException($"{p}.similar-cache-ttl", $"must not be negative (got {SimilarCacheTtl})");
        }

        SettingCheck.Range($"{p}.similar-cache-capacity", SimilarCacheCapacity, 1, 100_000_000);
    }
}

/// <summary>Scoring (<c>actorrec.feed.ranking</c>): micro-batching and the score mix.</summary>
public sealed record RankingSettings
{
    /// <summary>Requests arriving within this window are scored in one call.</summary>
    public TimeSpan BatchWindow { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Score a batch as soon as the ranking actor has taken every request queued for it, instead of waiting out
    /// <see cref="BatchWindow"/>: a lone request is not delayed, and under load the batch is what queued meanwhile.
    /// </summary>
    public bool FlushWhenIdle { get; init; } = true;

    /// <summary>A batch is scored at once when it reaches this many requests.</summary>
    public int MaxBatch { get; init; } = 64;

    /// <summary>Share of the session vector in the query (the rest is the long-term embedding).</summary>
    public float SessionBlend { get; init; } = 0.35f;

    /// <summary>Weight of p(engage) = sigmoid(scale · query·video).</summary>
    public float EngageWeight { get; init; } = 0.75f;

    /// <summary>Multiplier of the dot product (unit query · video) inside the engagement sigmoid.</summary>
    public float EngageScale { get; init; } = 4f;

    /// <summary>Weight of the video's smoothed completion rate.</summary>
    public float CompletionWeight { get; init; } = 0.15f;

    /// <summary>Weight of normalised engagement velocity.</summary>
    public float VelocityWeight { get; init; } = 0.1f;

    /// <summary>Velocity at which the velocity part reaches 1 - 1/e.</summary>
    public float VelocityScale { get; init; } = 20f;

    /// <summary>Added for videos of followed creators.</summary>
    public float FollowBonus { get; init; } = 0.05f;

    /// <summary>Beta prior (completions, non-completions) that smooths the completion rate.</summary>
    public float CompletionPriorAlpha { get; init; } = 1f;

    public float CompletionPriorBeta { get; init; } = 3f;

    /// <summary>Weight of the co-engagement score Σ_j w_j·co(j, c)/√(n_j·n_c) over the user's recent positives j.</summary>
    public float CoEngagementWeight { get; init; } = 5f;

    /// <summary>Extra velocity (popularity) weight for a user with no events, fading linearly to 0 at new-user-events.</summary>
    public float NewUserPopularityWeight { get; init; } = 0.5f;

    /// <summary>Events after which a user no longer gets the new-user popularity weight.</summary>
    public int NewUserEvents { get; init; } = 20;

    internal void Validate(string p)
    {
        SettingCheck.NonNegative($"{p}.co-engagement-weight", CoEngagementWeight);
        SettingCheck.NonNegative($"{p}.new-user-popularity-weight", NewUserPopularityWeight);
        SettingCheck.Range($"{p}.new-user-events", NewUserEvents, 1, 1_000_000);
        SettingCheck.Positive($"{p}.batch-window", BatchWindow);
        SettingCheck.Range($"{p}.max-batch", MaxBatch, 1, 100_000);
        SettingCheck.Range($"{p}.session-blend", SessionBlend, 0, 1);
        SettingCheck.NonNegative($"{p}.engage-weight", EngageWeight);
        SettingCheck.Positive($"{p}.engage-scale", EngageScale);
        SettingCheck.NonNegative($"{p}.completion-weight", CompletionWeight);
        SettingCheck.NonNegative($"{p}.velocity-weight", VelocityWeight);
        SettingCheck.Positive($"{p}.velocity-scale", VelocityScale);
        SettingCheck.NonNegative($"{p}.follow-bonus", FollowBonus);
        SettingCheck.Positive($"{p}.completion-prior-alpha", CompletionPriorAlpha);
        SettingCheck.Positive($"{p}.completion-prior-beta", CompletionPriorBeta);
    }
}

/// <summary>Re-ranking (<c>actorrec.feed.rerank</c>): caps, fatigue, feed length.</summary>
public sealed record RerankSettings
{
    /// <summary>Sliding window of feed positions the caps apply to.</summary>
    public int DiversityWindow { get; init; } = 5;

    public int MaxPerCreatorInWindow { get; init; } = 1;

    public int MaxPerTopicInWindow { get; init; } = 2;

    /// <summary>Rate per unit of decayed topic fatigue (penalty = max · (1 − e^−(topic·f_t + creator·f_c))).</summary>
    public float TopicFatigueWeight { get; init; } = 0.02f;

    /// <summary>Rate per unit of decayed creator fatigue.</summary>
    public float CreatorFatigueWeight { get; init; } = 0.1f;

    /// <summary>Largest fraction of a score fatigue may remove.</summary>
    public float MaxFatiguePenalty { get; init; } = 0.25f;

    public int DefaultCount { get; init; } = 10;

    public int MaxCount { get; init; } = 100;

    internal void Validate(string p)
    {
        SettingCheck.Range($"{p}.diversity-window", DiversityWindow, 1, 1000);
        SettingCheck.Range($"{p}.max-per-creator-in-window", MaxPerCreatorInWindow, 1, 1000);
        SettingCheck.Range($"{p}.max-per-topic-in-window", MaxPerTopicInWindow, 1, 1000);
        SettingCheck.NonNegative($"{p}.topic-fatigue-weight", TopicFatigueWeight);
        SettingCheck.NonNegative($"{p}.creator-fatigue-weight", CreatorFatigueWeight);
        SettingCheck.Range($"{p}.max-fatigue-penalty", MaxFatiguePenalty, 0, 1);
        SettingCheck.Range($"{p}.max-count", MaxCount, 1, 10_000);
        SettingCheck.Range($"{p}.default-count", DefaultCount, 1, MaxCount);
    }
}
