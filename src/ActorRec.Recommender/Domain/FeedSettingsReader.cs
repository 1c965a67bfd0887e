using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Recommender.Entities;

namespace ActorRec.Recommender.Domain;

/// <summary>
/// Builds <see cref="FeedSettings"/> from the resolved config, once at start-up: reads every key of the
/// <c>actorrec.feed</c> section of the embedded <c>feed.reference.conf</c>, refuses keys it does not know, and
/// reports a bad value as a <see cref="SettingsException"/> naming the full key path. Types are checked here
/// (a number, a duration, a list of integers); ranges are the records' own <c>Validate</c> rules, whose
/// <see cref="FeedSettingsException"/> is turned into a <see cref="SettingsException"/> for the same key.
/// </summary>
public static class FeedSettingsReader
{
    /// <summary>The name of the embedded reference resource.</summary>
    public const string ResourceName = "ActorRec.Recommender.feed.reference.conf";

    /// <summary>The keys of the section (relative to <see cref="FeedSettings.Path"/>), as in the reference.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "embedding-dim",
        "entities.passivate-after", "entities.snapshot-every", "entities.ranking-actors", "entities.ask-timeout",
        "limits.max-events-per-batch", "limits.max-event-body-bytes", "limits.max-video-body-bytes", "limits.max-id-length",
        "limits.max-region-length", "limits.max-device-length", "limits.max-hashtags", "limits.max-hashtag-length",
        "limits.max-caption-length", "limits.max-duration-ms", "limits.max-watch-ms", "limits.max-replays", "limits.max-future-skew",
        "learning.user-learning-rate", "learning.video-learning-rate", "learning.l2", "learning.negative-samples",
        "learning.sampled-negative-weight", "learning.max-norm", "learning.max-event-weight", "learning.completion-ratio",
        "learning.min-positive-watch-ratio", "learning.watch-weight", "learning.completion-weight", "learning.replay-weight",
        "learning.max-replays-counted", "learning.like-weight", "learning.comment-weight", "learning.share-weight",
        "learning.follow-weight", "learning.short-view-weight", "learning.skip-weight", "learning.not-interested-weight",
        "user.session-half-life", "user.fatigue-half-life", "user.recent-capacity", "user.fatigue-slots", "user.seen-window",
        "user.seen-bits-per-generation", "user.seen-hashes", "user.idempotency-window", "user.idempotency-horizon", "user.idempotency-max", "user.mute-topic-after",
        "user.max-list-entries",
        "video.velocity-half-life", "video.idempotency-window", "video.idempotency-horizon", "video.idempotency-max", "video.hashtag-weight", "video.caption-weight",
        "video.sound-weight", "video.creator-weight", "video.promotion-stages",
        "retrieval.embedding-quota", "retrieval.similar-quota", "retrieval.similar-seeds", "retrieval.trending-quota",
        "retrieval.following-quota", "retrieval.cold-start-quota", "retrieval.oversample", "retrieval.embedding-first-oversample",
        "retrieval.following-max-age",
        "retrieval.similar-cache-ttl", "retrieval.similar-cache-capacity", "retrieval.trending-refresh", "retrieval.index",
        "retrieval.hnsw.m", "retrieval.hnsw.ef-construction", "retrieval.hnsw.ef-search", "retrieval.hnsw.reindex-drift",
        "retrieval.ivf.list-size", "retrieval.ivf.probes", "retrieval.ivf.rerank",
        "retrieval.co-engaged-quota", "retrieval.co-engagement.neighbours", "retrieval.co-engagement.window",
        "retrieval.co-engagement.decay",
        "ranking.batch-window", "ranking.flush-when-idle", "ranking.max-batch", "ranking.session-blend", "ranking.engage-weight", "ranking.engage-scale",
        "ranking.completion-weight", "ranking.velocity-weight", "ranking.velocity-scale", "ranking.follow-bonus",
        "ranking.completion-prior-alpha", "ranking.completion-prior-beta", "ranking.co-engagement-weight",
        "ranking.new-user-popularity-weight", "ranking.new-user-events",
        "rerank.diversity-window", "rerank.max-per-creator-in-window", "rerank.max-per-topic-in-window",
        "rerank.topic-fatigue-weight", "rerank.creator-fatigue-weight", "rerank.max-fatigue-penalty",
        "rerank.default-count", "rerank.max-count",
        "model.enabled", "model.rescore-candidates", "model.blend", "model.hidden1", "model.hidden2", "model.learning-rate",
        "model.initial-accumulator", "model.watch-ratio-loss-weight", "model.max-watch-ratio", "model.embedding-learning-rate",
        "model.device-buckets", "model.max-hashtags", "model.calibration-window", "model.seed", "model.weights.completion",
        "model.weights.like", "model.weights.share", "model.weights.follow", "model.weights.skip", "model.weights.watch-ratio",
        "sparse-table.dimension", "sparse-table.initial-capacity", "sparse-table.bucket-size", "sparse-table.max-load-factor",
        "sparse-table.max-kicks", "sparse-table.stash-size", "sparse-table.admission-threshold",
        "sparse-table.admission-probability", "sparse-table.sketch-width", "sparse-table.sketch-depth", "sparse-table.expiry",
        "sparse-table.evict-interval", "sparse-table.init-scale", "sparse-table.seed",
        "exploration.share", "exploration.new-user-share", "exploration.new-user-half-life-events", "exploration.prior-alpha",
        "exploration.prior-beta",
        "diversity.mmr-lambda", "diversity.mmr-pool",
        "trends.bucket-duration", "trends.buckets", "trends.heavy-hitters", "trends.sketch-width", "trends.sketch-depth",
        "trends.max-regions", "trends.top",
        "checkpoint.enabled", "checkpoint.interval", "checkpoint.file-name", "checkpoint.history",
        "experiments",
    ];

    /// <summary>Reads the <c>actorrec.feed</c> section of a resolved root config.</summary>
    /// <exception cref="SettingsException">A key is missing, unknown, of the wrong type or out of range.</exception>
    public static FeedSettings Read(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var s = config.GetSection(FeedSettings.Path);
        s.RejectUnknownKeys(Keys);
        var embeddingDim = Int(s, "embedding-dim");
        var limits = ReadLimits(s.GetSection("limits"));
        var learning = ReadLearning(s.GetSection("learning"));
        var user = ReadUser(s.GetSection("user"));
        var video = ReadVideo(s.GetSection("video"));
        var retrieval = ReadRetrieval(s.GetSection("retrieval"));
        var ranking = ReadRanking(s.GetSection("ranking"));
        var rerank = ReadRerank(s.GetSection("rerank"));
        _ = ReadEntities(config);
        var model = QualitySettingsReader.ReadModel(s.GetSection("model"));
        var sparseTable = QualitySettingsReader.ReadSparseTable(s.GetSection("sparse-table"));
        var exploration = QualitySettingsReader.ReadExploration(s.GetSection("exploration"));
        var diversity = QualitySettingsReader.ReadDiversity(s.GetSection("diversity"));
        var trends = QualitySettingsReader.ReadTrends(s.GetSection("trends"));
        var experiments = QualitySettingsReader.ReadExperiments(s.GetSection("experiments"));
        var checkpoint = QualitySettingsReader.ReadCheckpoint(s.GetSection("checkpoint"));
        return s.Build(
            () => (FeedSettings.Create(embeddingDim, limits, learning, user, video, retrieval, ranking, rerank) with
            {
                Model = model,
                SparseTable = sparseTable,
                Exploration = exploration,
                Diversity = diversity,
                Trends = trends,
                Experiments = experiments,
                Checkpoint = checkpoint,
            }).Validate(),
            e => e is FeedSettingsException f && f.Key.StartsWith(FeedSettings.Path + ".", StringComparison.Ordinal)
                ? f.Key[(FeedSettings.Path.Length + 1)..]
                : null);
    }

    /// <summary>Reads the <c>actorrec.feed.entities</c> section (passivation, snapshots, ranking pool, ask timeout).</summary>
    /// <exception cref="SettingsException">A key is missing, of the wrong type or out of range.</exception>
    public static EntitySettings ReadEntities(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var s = config.GetSection(EntitySettings.Path);
        var passivateAfter = s.GetNonNegativeDuration("passivate-after");
        var snapshotEvery = Int(s, "snapshot-every");
        var rankingActors = Int(s, "ranking-actors");
        var askTimeout = s.GetNonNegativeDuration("ask-timeout");
        return s.Build(
            () => EntitySettings.Create(passivateAfter, rankingActors, askTimeout, snapshotEvery),
            e => e is FeedSettingsException f && f.Key.StartsWith(EntitySettings.Path + ".", StringComparison.Ordinal)
                ? f.Key[(EntitySettings.Path.Length + 1)..]
                : null);
    }

    private static IngestLimits ReadLimits(Config s) => new()
    {
        MaxEventsPerBatch = Int(s, "max-events-per-batch"),
        MaxEventBodyBytes = Int(s, "max-event-body-bytes"),
        MaxVideoBodyBytes = Int(s, "max-video-body-bytes"),
        MaxIdLength = Int(s, "max-id-length"),
        MaxRegionLength = Int(s, "max-region-length"),
        MaxDeviceLength = Int(s, "max-device-length"),
        MaxHashtags = Int(s, "max-hashtags"),
        MaxHashtagLength = Int(s, "max-hashtag-length"),
        MaxCaptionLength = Int(s, "max-caption-length"),
        MaxDurationMs = s.GetLongInRange("max-duration-ms", long.MinValue, long.MaxValue),
        MaxWatchMs = s.GetLongInRange("max-watch-ms", long.MinValue, long.MaxValue),
        MaxReplays = Int(s, "max-replays"),
        MaxFutureSkew = s.GetNonNegativeDuration("max-future-skew"),
    };

    private static LearningSettings ReadLearning(Config s) => new()
    {
        UserLearningRate = Float(s, "user-learning-rate"),
        VideoLearningRate = Float(s, "video-learning-rate"),
        L2 = Float(s, "l2"),
        NegativeSamples = Int(s, "negative-samples"),
        SampledNegativeWeight = Float(s, "sampled-negative-weight"),
        MaxNorm = Float(s, "max-norm"),
        MaxEventWeight = Float(s, "max-event-weight"),
        CompletionRatio = Float(s, "completion-ratio"),
        MinPositiveWatchRatio = Float(s, "min-positive-watch-ratio"),
        WatchWeight = Float(s, "watch-weight"),
        CompletionWeight = Float(s, "completion-weight"),
        ReplayWeight = Float(s, "replay-weight"),
        MaxReplaysCounted = Int(s, "max-replays-counted"),
        LikeWeight = Float(s, "like-weight"),
        CommentWeight = Float(s, "comment-weight"),
        ShareWeight = Float(s, "share-weight"),
        FollowWeight = Float(s, "follow-weight"),
        ShortViewWeight = Float(s, "short-view-weight"),
        SkipWeight = Float(s, "skip-weight"),
        NotInterestedWeight = Float(s, "not-interested-weight"),
    };

    private static UserStateSettings ReadUser(Config s) => new()
    {
        SessionHalfLife = s.GetNonNegativeDuration("session-half-life"),
        FatigueHalfLife = s.GetNonNegativeDuration("fatigue-half-life"),
        RecentCapacity = Int(s, "recent-capacity"),
        FatigueSlots = Int(s, "fatigue-slots"),
        SeenWindow = Int(s, "seen-window"),
        SeenBitsPerGeneration = Int(s, "seen-bits-per-generation"),
        SeenHashes = Int(s, "seen-hashes"),
        IdempotencyWindow = Int(s, "idempotency-window"),
        IdempotencyHorizon = s.GetNonNegativeDuration("idempotency-horizon"),
        IdempotencyMax = Int(s, "idempotency-max"),
        MuteTopicAfter = Int(s, "mute-topic-after"),
        MaxListEntries = Int(s, "max-list-entries"),
    };

    private static VideoStateSettings ReadVideo(Config s) => new()
    {
        VelocityHalfLife = s.GetNonNegativeDuration("velocity-half-life"),
        IdempotencyWindow = Int(s, "idempotency-window"),
        IdempotencyHorizon = s.GetNonNegativeDuration("idempotency-horizon"),
        IdempotencyMax = Int(s, "idempotency-max"),
        HashtagWeight = Float(s, "hashtag-weight"),
        CaptionWeight = Float(s, "caption-weight"),
        SoundWeight = Float(s, "sound-weight"),
        CreatorWeight = Float(s, "creator-weight"),
        Promotion = QualitySettingsReader.ReadPromotion(s, "promotion-stages"),
    };

    private static RetrievalSettings ReadRetrieval(Config s) => new()
    {
        EmbeddingQuota = Int(s, "embedding-quota"),
        SimilarQuota = Int(s, "similar-quota"),
        SimilarSeeds = Int(s, "similar-seeds"),
        TrendingQuota = Int(s, "trending-quota"),
        FollowingQuota = Int(s, "following-quota"),
        ColdStartQuota = Int(s, "cold-start-quota"),
        Oversample = Float(s, "oversample"),
        EmbeddingFirstOversample = Float(s, "embedding-first-oversample"),
        FollowingMaxAge = s.GetNonNegativeDuration("following-max-age"),
        SimilarCacheTtl = s.GetNonNegativeDuration("similar-cache-ttl"),
        SimilarCacheCapacity = Int(s, "similar-cache-capacity"),
        TrendingRefresh = s.GetNonNegativeDuration("trending-refresh"),
        Index = s.GetEnum<VideoIndexKind>("index"),
        HnswM = Int(s, "hnsw.m"),
        HnswEfConstruction = Int(s, "hnsw.ef-construction"),
        HnswEfSearch = Int(s, "hnsw.ef-search"),
        HnswReindexDrift = Float(s, "hnsw.reindex-drift"),
        IvfListSize = Int(s, "ivf.list-size"),
        IvfProbes = Int(s, "ivf.probes"),
        IvfRerank = Float(s, "ivf.rerank"),
        CoEngagedQuota = Int(s, "co-engaged-quota"),
        CoEngagementNeighbours = Int(s, "co-engagement.neighbours"),
        CoEngagementWindow = Int(s, "co-engagement.window"),
        CoEngagementDecay = Float(s, "co-engagement.decay"),
    };


    private static RankingSettings ReadRanking(Config s) => new()
    {
        BatchWindow = s.GetNonNegativeDuration("batch-window"),
        FlushWhenIdle = s.GetFlag("flush-when-idle"),
        MaxBatch = Int(s, "max-batch"),
        SessionBlend = Float(s, "session-blend"),
        EngageWeight = Float(s, "engage-weight"),
        EngageScale = Float(s, "engage-scale"),
        CompletionWeight = Float(s, "completion-weight"),
        VelocityWeight = Float(s, "velocity-weight"),
        VelocityScale = Float(s, "velocity-scale"),
        FollowBonus = Float(s, "follow-bonus"),
        CompletionPriorAlpha = Float(s, "completion-prior-alpha"),
        CompletionPriorBeta = Float(s, "completion-prior-beta"),
        CoEngagementWeight = Float(s, "co-engagement-weight"),
        NewUserPopularityWeight = Float(s, "new-user-popularity-weight"),
        NewUserEvents = Int(s, "new-user-events"),
    };

    private static RerankSettings ReadRerank(Config s) => new()
    {
        DiversityWindow = Int(s, "diversity-window"),
        MaxPerCreatorInWindow = Int(s, "max-per-creator-in-window"),
        MaxPerTopicInWindow = Int(s, "max-per-topic-in-window"),
        TopicFatigueWeight = Float(s, "topic-fatigue-weight"),
        CreatorFatigueWeight = Float(s, "creator-fatigue-weight"),
        MaxFatiguePenalty = Float(s, "max-fatigue-penalty"),
        DefaultCount = Int(s, "default-count"),
        MaxCount = Int(s, "max-count"),
    };

    // Type checks only: the ranges belong to the records' Validate, which names the same key.
    internal static int Int(Config s, string key) => s.GetIntInRange(key, int.MinValue, int.MaxValue);

    internal static float Float(Config s, string key) => (float)s.GetDoubleInRange(key, float.MinValue, float.MaxValue);
}
