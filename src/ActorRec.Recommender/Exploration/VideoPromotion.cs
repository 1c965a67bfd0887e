using System.Diagnostics;

namespace ActorRec.Recommender.Exploration;

/// <summary>One cold-start stage.</summary>
/// <param name="Name">Stage name shown on the video ("test-audience", "pool-10k", …).</param>
/// <param name="PoolSize">Most impressions the video gets in this stage.</param>
/// <param name="MinImpressions">Impressions after which the rates are judged (≤ PoolSize).</param>
/// <param name="MinCompletionRate">Completion rate needed to move on.</param>
/// <param name="MinShareRate">Share rate needed to move on.</param>
public sealed record PromotionStage(string Name, long PoolSize, long MinImpressions, double MinCompletionRate, double MinShareRate);

/// <summary>The cold-start ladder. The last stage is final ("all"): it is never judged and has no pool limit.</summary>
public sealed record PromotionSettings(IReadOnlyList<PromotionStage> Stages)
{
    /// <summary>test-audience (300 judged of 500) → pool-10k → pool-100k → all.</summary>
    public static PromotionSettings Default { get; } = new(
    [
        new PromotionStage("test-audience", 500, 300, 0.30, 0.005),
        new PromotionStage("pool-10k", 10_000, 5_000, 0.35, 0.008),
        new PromotionStage("pool-100k", 100_000, 50_000, 0.40, 0.010),
        new PromotionStage("all", long.MaxValue, long.MaxValue, 0, 0),
    ]);

    /// <summary>Validates and names the bad key.</summary>
    public static PromotionSettings Create(PromotionSettings values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Stages is null || values.Stages.Count < 2)
        {
            throw new ArgumentException("cold-start.stages needs at least a test stage and a final stage.", nameof(values));
        }

        var names = new HashSet<string>();
        for (var i = 0; i < values.Stages.Count; i++)
        {
            var s = values.Stages[i];
            var key = $"cold-start.stages[{i}]";
            if (string.IsNullOrWhiteSpace(s.Name) || !names.Add(s.Name))
            {
                throw new ArgumentException($"{key}.name must be non-empty and unique (got '{s.Name}').", nameof(values));
            }

            if (s.PoolSize < 1 || s.MinImpressions < 1 || s.MinImpressions > s.PoolSize)
            {
                throw new ArgumentOutOfRangeException(key, $"{key}: need 1 ≤ min-impressions ({s.MinImpressions}) ≤ pool-size ({s.PoolSize}).");
            }

            if (s.MinCompletionRate is < 0 or > 1 || s.MinShareRate is < 0 or > 1)
            {
                throw new ArgumentOutOfRangeException(key, $"{key}: min-completion-rate and min-share-rate must be in [0, 1].");
            }

            if (i > 0 && s.PoolSize < values.Stages[i - 1].PoolSize)
            {
                throw new ArgumentOutOfRangeException(key, $"{key}.pool-size must not shrink from the previous stage.");
            }
        }

        return values;
    }
}

/// <summary>Where a video is on the ladder.</summary>
public enum PromotionStatus
{
    /// <summary>Being shown within its current stage's pool.</summary>
    Active,

    /// <summary>Failed a stage: no longer pushed.</summary>
    Stopped,

    /// <summary>Reached the final stage: pushed without a pool limit.</summary>
    Graduated,
}

/// <summary>What <see cref="VideoPromotion.Record"/> changed.</summary>
public enum PromotionChange
{
    /// <summary>Still in the same stage.</summary>
    None,

    /// <summary>Moved to the next stage.</summary>
    Promoted,

    /// <summary>Failed its stage.</summary>
    Stopped,
}

/// <summary>The state shown on the video.</summary>
public sealed record PromotionSnapshot(string Stage, int StageIndex, PromotionStatus Status, long StageImpressions, double CompletionRate, double ShareRate, long TotalImpressions);

/// <summary>
/// The cold-start state machine of one video: impressions, completions and shares are counted per stage; when a
/// stage has its minimum impressions its completion and share rates are judged — both pass: promoted to the next
/// stage (counters restart, the pool widens); otherwise: stopped. The final stage is never judged. A stage whose
/// pool is used up stops taking impressions (<see cref="CanServe"/> is false) until it is judged. Not thread-safe:
/// the video's actor owns it.
/// </summary>
[DebuggerDisplay("{Snapshot()}")]
public sealed class VideoPromotion
{
    private readonly PromotionSettings _settings;
    private long _impressions;
    private long _completions;
    private long _shares;
    private long _total;

    /// <summary>Starts a new video in the first stage.</summary>
    public VideoPromotion(PromotionSettings? settings = null)
    {
        _settings = PromotionSettings.Create(settings ?? PromotionSettings.Default);
    }

    /// <summary>Current stage index.</summary>
    public int StageIndex { get; private set; }

    /// <summary>Current stage.</summary>
    public PromotionStage Stage => _settings.Stages[StageIndex];

    /// <summary>Current status.</summary>
    public PromotionStatus Status { get; private set; }

    /// <summary>Whether the video may be given another impression now.</summary>
    public bool CanServe => Status == PromotionStatus.Graduated || (Status == PromotionStatus.Active && _impressions < Stage.PoolSize);

    /// <summary>Counts one impression and its outcome, then judges the stage if it has enough impressions.</summary>
    public PromotionChange Record(bool completed, bool shared)
    {
        if (Status == PromotionStatus.Stopped)
        {
            return PromotionChange.None;
        }

        _total++;
        _impressions++;
        _completions += completed ? 1 : 0;
        _shares += shared ? 1 : 0;
        if (Status == PromotionStatus.Graduated || _impressions < Stage.MinImpressions)
        {
            return PromotionChange.None;
        }

        var completionRate = (double)_completions / _impressions;
        var shareRate = (double)_shares / _impressions;
        if (completionRate < Stage.MinCompletionRate || shareRate < Stage.MinShareRate)
        {
            Status = PromotionStatus.Stopped;
            return PromotionChange.Stopped;
        }

        StageIndex++;
        _impressions = 0;
        _completions = 0;
        _shares = 0;
        if (StageIndex == _settings.Stages.Count - 1)
        {
            Status = PromotionStatus.Graduated;
        }

        return PromotionChange.Promoted;
    }

    /// <summary>The state to show on the video.</summary>
    public PromotionSnapshot Snapshot() => new(
        Stage.Name,
        StageIndex,
        Status,
        _impressions,
        _impressions > 0 ? (double)_completions / _impressions : 0,
        _impressions > 0 ? (double)_shares / _impressions : 0,
        _total);
}
