using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Recommender.Experiments;
using ActorRec.Recommender.Exploration;
using ActorRec.Recommender.Features;
using ActorRec.Recommender.Model;
using ActorRec.Recommender.Trends;

namespace ActorRec.Recommender.Domain;

/// <summary>
/// Reads the recommendation-quality sections of <c>actorrec.feed</c> (model, sparse-table, exploration, diversity,
/// trends, experiments) for <see cref="FeedSettingsReader"/>. Types are checked here; ranges by the records'
/// <c>Validate</c>. Experiments are a map: every key of <c>experiments</c> is one experiment, whose unknown keys are
/// refused like any other.
/// </summary>
internal static class QualitySettingsReader
{
    private static readonly string[] ExperimentKeys = ["salt", "arms"];
    private static readonly string[] ArmKeys = ["name", "share", "overrides"];
    private static readonly string[] StageKeys = ["name", "pool-size", "min-impressions", "min-completion-rate", "min-share-rate"];
    private static readonly string[] FinalStageKeys = ["name"];

    /// <summary>
    /// Reads the cold-start ladder: a list of stage objects; the last one is the final stage and has only a name
    /// (no pool limit, never judged). Errors name the element's key, e.g. <c>video.promotion-stages[0].pool-size</c>.
    /// </summary>
    public static PromotionSettings ReadPromotion(Config s, string key)
    {
        IReadOnlyList<Config> items;
        try
        {
            items = s.GetConfigList(key);
        }
        catch (HoconException e)
        {
            throw new SettingsException(e.Path ?? key, e.Reason, e.Origin, e);
        }

        var stages = new PromotionStage[items.Count];
        for (var i = 0; i < stages.Length; i++)
        {
            var c = items[i];
            if (i == stages.Length - 1)
            {
                c.RejectUnknownKeys(FinalStageKeys);
                stages[i] = new PromotionStage(c.GetRequiredString("name"), long.MaxValue, long.MaxValue, 0, 0);
                continue;
            }

            c.RejectUnknownKeys(StageKeys);
            stages[i] = new PromotionStage(
                c.GetRequiredString("name"),
                c.GetLongInRange("pool-size", 1, long.MaxValue),
                c.GetLongInRange("min-impressions", 1, long.MaxValue),
                c.GetDoubleInRange("min-completion-rate", 0, 1),
                c.GetDoubleInRange("min-share-rate", 0, 1));
        }

        return new PromotionSettings(stages);
    }

    public static ModelSettings ReadModel(Config s) => new()
    {
        Enabled = s.GetFlag("enabled"),
        RescoreCandidates = FeedSettingsReader.Int(s, "rescore-candidates"),
        Blend = FeedSettingsReader.Float(s, "blend"),
        Hidden1 = FeedSettingsReader.Int(s, "hidden1"),
        Hidden2 = FeedSettingsReader.Int(s, "hidden2"),
        LearningRate = FeedSettingsReader.Float(s, "learning-rate"),
        InitialAccumulator = FeedSettingsReader.Float(s, "initial-accumulator"),
        WatchRatioLossWeight = FeedSettingsReader.Float(s, "watch-ratio-loss-weight"),
        MaxWatchRatio = FeedSettingsReader.Float(s, "max-watch-ratio"),
        EmbeddingLearningRate = FeedSettingsReader.Float(s, "embedding-learning-rate"),
        DeviceBuckets = FeedSettingsReader.Int(s, "device-buckets"),
        MaxHashtags = FeedSettingsReader.Int(s, "max-hashtags"),
        CalibrationWindow = FeedSettingsReader.Int(s, "calibration-window"),
        Seed = FeedSettingsReader.Int(s, "seed"),
        Weights = new RankingScoreWeights(
            FeedSettingsReader.Float(s, "weights.completion"),
            FeedSettingsReader.Float(s, "weights.like"),
            FeedSettingsReader.Float(s, "weights.share"),
            FeedSettingsReader.Float(s, "weights.follow"),
            FeedSettingsReader.Float(s, "weights.skip"),
            FeedSettingsReader.Float(s, "weights.watch-ratio")),
    };

    public static SparseTableSettings ReadSparseTable(Config s) => new()
    {
        Table = new EmbeddingTableSettings(
            Dimension: FeedSettingsReader.Int(s, "dimension"),
            InitialCapacity: FeedSettingsReader.Int(s, "initial-capacity"),
            BucketSize: FeedSettingsReader.Int(s, "bucket-size"),
            MaxLoadFactor: s.GetDoubleInRange("max-load-factor", double.MinValue, double.MaxValue),
            MaxKicks: FeedSettingsReader.Int(s, "max-kicks"),
            StashSize: FeedSettingsReader.Int(s, "stash-size"),
            AdmissionThreshold: FeedSettingsReader.Int(s, "admission-threshold"),
            AdmissionProbability: s.GetDoubleInRange("admission-probability", double.MinValue, double.MaxValue),
            SketchWidth: FeedSettingsReader.Int(s, "sketch-width"),
            SketchDepth: FeedSettingsReader.Int(s, "sketch-depth"),
            Expiry: s.GetNonNegativeDuration("expiry"),
            InitScale: FeedSettingsReader.Float(s, "init-scale"),
            Seed: FeedSettingsReader.Int(s, "seed")),
        EvictInterval = s.GetNonNegativeDuration("evict-interval"),
    };

    public static ExplorationSettings ReadExploration(Config s) => new()
    {
        Share = s.GetDoubleInRange("share", double.MinValue, double.MaxValue),
        NewUserShare = s.GetDoubleInRange("new-user-share", double.MinValue, double.MaxValue),
        NewUserHalfLifeEvents = s.GetDoubleInRange("new-user-half-life-events", double.MinValue, double.MaxValue),
        PriorAlpha = s.GetDoubleInRange("prior-alpha", double.MinValue, double.MaxValue),
        PriorBeta = s.GetDoubleInRange("prior-beta", double.MinValue, double.MaxValue),
    };

    public static MmrSettings ReadDiversity(Config s) => new()
    {
        MmrLambda = FeedSettingsReader.Float(s, "mmr-lambda"),
        MmrPool = FeedSettingsReader.Int(s, "mmr-pool"),
    };

    public static TrendsSettings ReadTrends(Config s) => new()
    {
        Tracker = new TrendSettings(
            BucketDuration: s.GetNonNegativeDuration("bucket-duration"),
            Buckets: FeedSettingsReader.Int(s, "buckets"),
            HeavyHitters: FeedSettingsReader.Int(s, "heavy-hitters"),
            SketchWidth: FeedSettingsReader.Int(s, "sketch-width"),
            SketchDepth: FeedSettingsReader.Int(s, "sketch-depth"),
            MaxRegions: FeedSettingsReader.Int(s, "max-regions")),
        Top = FeedSettingsReader.Int(s, "top"),
    };

    public static CheckpointSettings ReadCheckpoint(Config s) => new()
    {
        Enabled = s.GetFlag("enabled"),
        Interval = s.GetNonNegativeDuration("interval"),
        FileName = s.GetRequiredString("file-name"),
        History = FeedSettingsReader.Int(s, "history"),
    };

    public static IReadOnlyList<ExperimentSettings> ReadExperiments(Config s)
    {
        if (s.Root.Count == 0)
        {
            return FeedSettings.NoExperiments;
        }

        var list = new List<ExperimentSettings>(s.Root.Count);
        foreach (var name in s.Root.Keys)
        {
            if (s.Root[name] is not HoconObject)
            {
                throw new SettingsException(s.PathFromRoot ?? "experiments", $"every experiment is an object {{ salt, arms }}; '{name}' is not");
            }

            var e = s.GetSection(name);
            e.RejectUnknownKeys(ExperimentKeys);
            var salt = e.GetRequiredString("salt");
            var armConfigs = e.GetConfigList("arms");
            var arms = new ArmSettings[armConfigs.Count];
            for (var i = 0; i < arms.Length; i++)
            {
                var a = armConfigs[i];
                a.RejectUnknownKeys(ArmKeys);
                var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
                if (a.HasPath("overrides"))
                {
                    var o = a.GetSection("overrides");
                    foreach (var leaf in ReferenceConf.LeafPaths(o.Root))
                    {
                        overrides[leaf.Path] = o.GetString(leaf.Path);
                    }
                }

                arms[i] = new ArmSettings(a.GetRequiredString("name"), a.GetDoubleInRange("share", double.MinValue, double.MaxValue), overrides);
            }

            list.Add(new ExperimentSettings(name, salt, arms));
        }

        return list;
    }
}
