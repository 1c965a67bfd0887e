using ActorRec.Recommender.Exploration;
using ActorRec.Recommender.Features;
using ActorRec.Recommender.Model;
using ActorRec.Recommender.Trends;

namespace ActorRec.Recommender.Domain;

/// <summary>
/// The online multi-task ranking model (<c>actorrec.feed.model</c>): its shape, its training steps, how many of the
/// pre-ranked candidates it re-scores per feed, and the weights of the task mix added to the score.
/// </summary>
public sealed record ModelSettings
{
    /// <summary>Whether the model scores feeds and learns from events.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The model re-scores this many of the best pre-ranked candidates of each feed.</summary>
    public int RescoreCandidates { get; init; } = 64;

    /// <summary>Strength of the task mix m = Σ w·p in the served score: pre-rank · e^(blend · (m − mean m over the feed)).</summary>
    public float Blend { get; init; } = 1f;

    public int Hidden1 { get; init; } = 32;

    public int Hidden2 { get; init; } = 16;

    public float LearningRate { get; init; } = 0.05f;

    public float InitialAccumulator { get; init; } = 0.1f;

    public float WatchRatioLossWeight { get; init; } = 1f;

    public float MaxWatchRatio { get; init; } = 3f;

    /// <summary>SGD step of the sparse-feature rows.</summary>
    public float EmbeddingLearningRate { get; init; } = 0.05f;

    public int DeviceBuckets { get; init; } = 8;

    /// <summary>Hashtags of a video that become sparse features (the first ones).</summary>
    public int MaxHashtags { get; init; } = 4;

    /// <summary>Held-out (predict-then-train) completion predictions kept for the calibration report.</summary>
    public int CalibrationWindow { get; init; } = 10_000;

    public int Seed { get; init; } = 17;

    public RankingScoreWeights Weights { get; init; } = new();

    internal RankerSettings ToRanker() => new(Hidden1, Hidden2, LearningRate, InitialAccumulator, WatchRatioLossWeight, MaxWatchRatio, Seed);

    internal void Validate(string p)
    {
        SettingCheck.Range($"{p}.rescore-candidates", RescoreCandidates, 0, 100_000);
        SettingCheck.NonNegative($"{p}.blend", Blend);
        SettingCheck.Range($"{p}.hidden1", Hidden1, 1, 4096);
        SettingCheck.Range($"{p}.hidden2", Hidden2, 1, 4096);
        SettingCheck.Positive($"{p}.learning-rate", LearningRate);
        SettingCheck.Positive($"{p}.initial-accumulator", InitialAccumulator);
        SettingCheck.NonNegative($"{p}.watch-ratio-loss-weight", WatchRatioLossWeight);
        SettingCheck.Positive($"{p}.max-watch-ratio", MaxWatchRatio);
        SettingCheck.NonNegative($"{p}.embedding-learning-rate", EmbeddingLearningRate);
        SettingCheck.Range($"{p}.device-buckets", DeviceBuckets, 1, 1024);
        SettingCheck.Range($"{p}.max-hashtags", MaxHashtags, 0, 64);
        SettingCheck.Range($"{p}.calibration-window", CalibrationWindow, 1, 10_000_000);
        ValidateWeights($"{p}.weights", Weights);
    }

    internal static void ValidateWeights(string p, RankingScoreWeights w)
    {
        SettingCheck.Range($"{p}.completion", w.Completion, -1000, 1000);
        SettingCheck.Range($"{p}.like", w.Like, -1000, 1000);
        SettingCheck.Range($"{p}.share", w.Share, -1000, 1000);
        SettingCheck.Range($"{p}.follow", w.Follow, -1000, 1000);
        SettingCheck.Range($"{p}.skip", w.Skip, -1000, 1000);
        SettingCheck.Range($"{p}.watch-ratio", w.WatchRatio, -1000, 1000);
    }
}

/// <summary>The collisionless sparse-feature table (<c>actorrec.feed.sparse-table</c>) and how often stale rows are evicted.</summary>
public sealed record SparseTableSettings
{
    public EmbeddingTableSettings Table { get; init; } = new(Expiry: TimeSpan.FromDays(7));

    /// <summary>Expired rows are evicted at most this often (checked while training).</summary>
    public TimeSpan EvictInterval { get; init; } = TimeSpan.FromMinutes(1);

    internal void Validate(string p)
    {
        var t = Table;
        SettingCheck.Range($"{p}.dimension", t.Dimension, 1, 4096);
        SettingCheck.Range($"{p}.initial-capacity", t.InitialCapacity, 1, 1 << 28);
        SettingCheck.Range($"{p}.bucket-size", t.BucketSize, 1, 16);
        SettingCheck.Range($"{p}.max-load-factor", t.MaxLoadFactor, 0.11, 0.99);
        SettingCheck.Range($"{p}.max-kicks", t.MaxKicks, 1, 100_000);
        SettingCheck.Range($"{p}.stash-size", t.StashSize, 0, 1024);
        SettingCheck.Range($"{p}.admission-threshold", t.AdmissionThreshold, 1, int.MaxValue);
        SettingCheck.Range($"{p}.admission-probability", t.AdmissionProbability, 0, 1);
        SettingCheck.Range($"{p}.sketch-width", t.SketchWidth, 16, 1 << 30);
        SettingCheck.Range($"{p}.sketch-depth", t.SketchDepth, 1, 16);
        SettingCheck.Positive($"{p}.expiry", t.Expiry);
        SettingCheck.Range($"{p}.init-scale", t.InitScale, 0, 10);
        SettingCheck.Positive($"{p}.evict-interval", EvictInterval);
    }
}

/// <summary>
/// Exploration (<c>actorrec.feed.exploration</c>): the share of feed slots given to new videos, higher for new users
/// and converging to <see cref="Share"/> as their events arrive; the slot's video is chosen by Thompson sampling on
/// Beta(prior-alpha + completions, prior-beta + views − completions).
/// </summary>
public sealed record ExplorationSettings
{
    public double Share { get; init; } = 0.1;

    public double NewUserShare { get; init; } = 0.4;

    public double NewUserHalfLifeEvents { get; init; } = 20;

    public double PriorAlpha { get; init; } = 1;

    public double PriorBeta { get; init; } = 3;

    internal ExplorationPolicy ToPolicy() => new(Share, NewUserShare, NewUserHalfLifeEvents);

    internal void Validate(string p)
    {
        SettingCheck.Range($"{p}.share", Share, 0, 1);
        SettingCheck.Range($"{p}.new-user-share", NewUserShare, 0, 1);
        SettingCheck.Positive($"{p}.new-user-half-life-events", NewUserHalfLifeEvents);
        SettingCheck.Positive($"{p}.prior-alpha", PriorAlpha);
        SettingCheck.Positive($"{p}.prior-beta", PriorBeta);
    }
}

/// <summary>Maximal-marginal-relevance re-ranking (<c>actorrec.feed.diversity</c>), applied within the creator/topic caps.</summary>
public sealed record MmrSettings
{
    /// <summary>λ of MMR: 1 = relevance only, 0 = novelty only.</summary>
    public float MmrLambda { get; init; } = 0.8f;

    /// <summary>The best this-many candidates compete for each position.</summary>
    public int MmrPool { get; init; } = 50;

    internal void Validate(string p)
    {
        SettingCheck.Range($"{p}.mmr-lambda", MmrLambda, 0, 1);
        SettingCheck.Range($"{p}.mmr-pool", MmrPool, 1, 10_000);
    }
}

/// <summary>Sketch-based trends (<c>actorrec.feed.trends</c>) served by <c>GET /v1/trending</c>.</summary>
public sealed record TrendsSettings
{
    public TrendSettings Tracker { get; init; } = new(TimeSpan.FromMinutes(5));

    /// <summary>Entries per list in <c>GET /v1/trending</c>.</summary>
    public int Top { get; init; } = 20;

    internal void Validate(string p)
    {
        var t = Tracker;
        SettingCheck.Positive($"{p}.bucket-duration", t.BucketDuration);
        SettingCheck.Range($"{p}.buckets", t.Buckets, 1, 10_000);
        SettingCheck.Range($"{p}.heavy-hitters", t.HeavyHitters, 1, 100_000);
        SettingCheck.Range($"{p}.sketch-width", t.SketchWidth, 16, 1 << 24);
        SettingCheck.Range($"{p}.sketch-depth", t.SketchDepth, 1, 16);
        SettingCheck.Range($"{p}.max-regions", t.MaxRegions, 1, 100_000);
        SettingCheck.Range($"{p}.top", Top, 1, 1000);
    }
}
