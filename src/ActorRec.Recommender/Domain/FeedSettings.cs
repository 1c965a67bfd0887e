namespace ActorRec.Recommender.Domain;

/// <summary>
/// Every tunable of the feed engine, read once at start-up (HOCON section <c>actorrec.feed</c>). Immutable; build it
/// with <see cref="Create"/> (or <c>with</c> then <see cref="Validate"/>), which names the first bad key.
/// </summary>
public sealed record FeedSettings
{
    public const string Path = "actorrec.feed";

    /// <summary>The defaults of <c>reference.conf</c>.</summary>
    public static FeedSettings Default { get; } = new();

    /// <summary>Dimension of user and video embeddings (<c>embedding-dim</c>).</summary>
    public int EmbeddingDim { get; init; } = 64;

    public IngestLimits Limits { get; init; } = new();

    public LearningSettings Learning { get; init; } = new();

    public UserStateSettings User { get; init; } = new();

    public VideoStateSettings Video { get; init; } = new();

    public RetrievalSettings Retrieval { get; init; } = new();

    public RankingSettings Ranking { get; init; } = new();

    public RerankSettings Rerank { get; init; } = new();

    /// <summary>The online multi-task ranking model (<c>model</c>).</summary>
    public ModelSettings Model { get; init; } = new();

    /// <summary>The collisionless sparse-feature table (<c>sparse-table</c>).</summary>
    public SparseTableSettings SparseTable { get; init; } = new();

    /// <summary>Exploration slots and Thompson sampling (<c>exploration</c>).</summary>
    public ExplorationSettings Exploration { get; init; } = new();

    /// <summary>MMR re-ranking (<c>diversity</c>).</summary>
    public MmrSettings Diversity { get; init; } = new();

    /// <summary>Sketch-based trends (<c>trends</c>).</summary>
    public TrendsSettings Trends { get; init; } = new();

    /// <summary>Checkpoints of the learned in-memory state (<c>checkpoint</c>).</summary>
    public CheckpointSettings Checkpoint { get; init; } = new();

    /// <summary>A/B experiments (<c>experiments</c>); empty by default.</summary>
    public IReadOnlyList<Experiments.ExperimentSettings> Experiments { get; init; } = Empty.Experiments;

    /// <summary>The shared empty experiment list (so default settings compare equal).</summary>
    public static IReadOnlyList<Experiments.ExperimentSettings> NoExperiments => Empty.Experiments;

    /// <summary>Builds validated settings; any section left null takes its defaults.</summary>
    public static FeedSettings Create(
        int embeddingDim = 64,
        IngestLimits? limits = null,
        LearningSettings? learning = null,
        UserStateSettings? user = null,
        VideoStateSettings? video = null,
        RetrievalSettings? retrieval = null,
        RankingSettings? ranking = null,
        RerankSettings? rerank = null) =>
        new FeedSettings
        {
            EmbeddingDim = embeddingDim,
            Limits = limits ?? new(),
            Learning = learning ?? new(),
            User = user ?? new(),
            Video = video ?? new(),
            Retrieval = retrieval ?? new(),
            Ranking = ranking ?? new(),
            Rerank = rerank ?? new(),
        }.Validate();

    /// <summary>Checks every key; throws <see cref="FeedSettingsException"/> naming the first bad one.</summary>
    public FeedSettings Validate()
    {
        SettingCheck.Range($"{Path}.embedding-dim", EmbeddingDim, 2, 4096);
        Limits.Validate($"{Path}.limits");
        Learning.Validate($"{Path}.learning");
        User.Validate($"{Path}.user");
        Video.Validate($"{Path}.video");
        Retrieval.Validate($"{Path}.retrieval");
        Ranking.Validate($"{Path}.ranking");
        Rerank.Validate($"{Path}.rerank");
        Model.Validate($"{Path}.model");
        SparseTable.Validate($"{Path}.sparse-table");
        Exploration.Validate($"{Path}.exploration");
        Diversity.Validate($"{Path}.diversity");
        Trends.Validate($"{Path}.trends");
        Checkpoint.Validate($"{Path}.checkpoint");
        global::ActorRec.Recommender.Experiments.FeedParameters.ValidateExperiments(this);
        return this;
    }

    // A holder with its own type initializer, so the list exists before Default is built.
    private static class Empty
    {
        public static readonly IReadOnlyList<Experiments.ExperimentSettings> Experiments = [];
    }
}

/// <summary>Input limits of the public API (<c>actorrec.feed.limits</c>).</summary>
public sealed record IngestLimits
{
    /// <summary>Most events in one <c>POST /v1/events</c> body.</summary>
    public int MaxEventsPerBatch { get; init; } = 1000;

    /// <summary>Largest <c>POST /v1/events</c> body in bytes (413 above it).</summary>
    public int MaxEventBodyBytes { get; init; } = 1 << 20;

    /// <summary>Largest <c>PUT /v1/videos/{id}</c> body in bytes (413 above it).</summary>
    public int MaxVideoBodyBytes { get; init; } = 256 << 10;

    /// <summary>Longest event, user, video, creator or sound id (characters).</summary>
    public int MaxIdLength { get; init; } = 128;

    public int MaxRegionLength { get; init; } = 16;

    public int MaxDeviceLength { get; init; } = 32;

    public int MaxHashtags { get; init; } = 30;

    public int MaxHashtagLength { get; init; } = 100;

    public int MaxCaptionLength { get; init; } = 2200;

    /// <summary>Longest video accepted (ms).</summary>
    public long MaxDurationMs { get; init; } = 3_600_000;

    /// <summary>Most watch time one event may report (ms).</summary>
    public long MaxWatchMs { get; init; } = 86_400_000;

    public int MaxReplays { get; init; } = 1000;

    /// <summary>How far ahead of the server clock an event's timestamp may be (client clock skew); later ones are refused.</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromHours(1);

    internal void Validate(string p)
    {
        SettingCheck.NonNegative($"{p}.max-future-skew", MaxFutureSkew);
        SettingCheck.Range($"{p}.max-events-per-batch", MaxEventsPerBatch, 1, 1_000_000);
        SettingCheck.Range($"{p}.max-event-body-bytes", MaxEventBodyBytes, 64, int.MaxValue);
        SettingCheck.Range($"{p}.max-video-body-bytes", MaxVideoBodyBytes, 64, int.MaxValue);
        SettingCheck.Range($"{p}.max-id-length", MaxIdLength, 1, 4096);
        SettingCheck.Range($"{p}.max-region-length", MaxRegionLength, 1, 256);
        SettingCheck.Range($"{p}.max-device-length", MaxDeviceLength, 1, 256);
        SettingCheck.Range($"{p}.max-hashtags", MaxHashtags, 0, 1000);
        SettingCheck.Range($"{p}.max-hashtag-length", MaxHashtagLength, 1, 1000);
        SettingCheck.Range($"{p}.max-caption-length", MaxCaptionLength, 0, 100_000);
        SettingCheck.Positive($"{p}.max-duration-ms", MaxDurationMs);
        SettingCheck.Positive($"{p}.max-watch-ms", MaxWatchMs);
        SettingCheck.Range($"{p}.max-replays", MaxReplays, 0, 1_000_000);
    }
}
