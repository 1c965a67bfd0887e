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
    /// <summary>Equal when the stages are equal, in order (a ladder read from config equals the same ladder in code).</summary>
    public bool Equals(PromotionSettings? other) =>
        other is not null && (ReferenceEquals(Stages, other.Stages) || (Stages is not null && other.Stages is not null && Stages.SequenceEqual(other.Stages)));

    /// <inheritdoc />
    public override int GetHashCode() => Stages is null || Stages.Count == 0 ? 0 : HashCode.Combine(Stages.Count, Stages[0]);

    /// <summary>test-audience (300 judged of 500) → pool-10k → pool-100k → all.</summary>
    public static PromotionSettings Default { get; } = new(
    [
        new PromotionStage("test-audience", 500, 300, 0.30, 0.005),
        new PromotionStage("pool-10k", 10_000, 5_000, 0.35, 0.008),
        new PromotionStage("pool-100k", 100_000, 50_000, 0.40, 0.010),
        new PromotionStage("all", long.MaxValue, long.MaxValue, 0, 0),
    ]);

    /// <summary>Validates and names the bad key (<paramref name="key"/>[i] for stage i).</summary>
    public static PromotionSettings Create(PromotionSettings values, string key = "cold-start.stages")
    {
        var root = key;
        ArgumentNullException.ThrowIfNull(values);
        if (values.Stages is null || values.Stages.Count < 2)
        {
            throw new ArgumentException($"{root} needs at least a test stage and a final stage.", nameof(values));
        }

        var names = new HashSet<string>();
        for (var i = 0; i < values.Stages.Count; i++)
        {
            var s = values.Stages[i];
            var stageKey = $"{root}[{i}]";
            if (string.IsNullOrWhiteSpace(s.Name) || !names.Add(s.Name))
            {
                throw new ArgumentException($"{stageKey}.name must be non-empty and unique (got '{s.Name}').", nameof(values));
            }

            if (s.PoolSize < 1 || s.MinImpressions < 1 || s.MinImpressions > s.PoolSize)
            {
                throw new ArgumentOutOfRangeException(stageKey, $"{stageKey}: need 1 ≤ min-impressions ({s.MinImpressions}) ≤ pool-size ({s.PoolSize}).");
            }

            if (s.MinCompletionRate is < 0 or > 1 || s.MinShareRate is < 0 or > 1)
            {
                throw new ArgumentOutOfRangeException(stageKey, $"{stageKey}: min-completion-rate and min-share-rate must be in [0, 1].");
            }

            if (i > 0 && s.PoolSize < values.Stages[i - 1].PoolSize)
            {
                throw new ArgumentOutOfRangeException(stageKey, $"{stageKey}.pool-size must not shrink from the previous stage.");
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
/// <param name="Stage">Current stage name.</param>
/// <param name="StageIndex">Current stage index (0 is the test audience).</param>
/// <param name="Status">Active, stopped or graduated.</param>
/// <param name="StageImpressions">Impressions counted in the current stage.</param>
/// <param name="CompletionRate">Completions per impression in the current stage.</param>
/// <param name="ShareRate">Shares per impression in the current stage.</param>
/// <param name="TotalImpressions">Impressions over all stages.</param>
public sealed record PromotionSnapshot(string Stage, int StageIndex, PromotionStatus Status, long StageImpressions, double CompletionRate, double ShareRate, long TotalImpressions);

/// <summary>The persisted form of a <see cref="VideoPromotion"/> (snapshots); raw counters, not rates.</summary>
public readonly record struct PromotionCounters(int StageIndex, PromotionStatus Status, long StageImpressions, long StageCompletions, long StageShares, long TotalImpressions);

/// <summary>
/// The cold-start state machine of one video: impressions, completions and shares are counted per stage; when a
/// stage has its minimum impressions its completion and share rates are judged — both pass: promoted to the next
/// stage (counters restart, the pool widens); otherwise: stopped. The final stage is never judged. A stage whose
/// pool is used up stops taking impressions (<see cref="CanServe"/> is false) until it is judged. Not thread-safe:
/// the video's actor owns it.
/// <para>
/// Events arrive one at a time: an impression (view or skip, with whether it completed) through
/// <see cref="RecordImpression"/>, a share through <see cref="RecordShare"/>, which counts towards the stage the
/// video is in when the share arrives. A stage is judged on the impression that reaches its minimum.
/// </para>
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

    /// <summary>The ladder this video climbs.</summary>
    public PromotionSettings Settings => _settings;

    /// <summary>Whether the video may be given another impression now.</summary>
    public bool CanServe => Status == PromotionStatus.Graduated || (Status == PromotionStatus.Active && _impressions < Stage.PoolSize);

    /// <summary>Whether the cold-start path pushes the video: active in a judged stage with pool left.</summary>
    public bool InPromotionPool => Status == PromotionStatus.Active && _impressions < Stage.PoolSize;

    /// <summary>Counts one impression and its outcome, then judges the stage if it has enough impressions.</summary>
    public PromotionChange Record(bool completed, bool shared)
    {
        if (Status == PromotionStatus.Stopped)
        {
            return PromotionChange.None;
        }

        _shares += shared ? 1 : 0;
        return RecordImpression(completed);
    }

    /// <summary>Counts one impression (a view or a skip) and whether it completed; judges the stage at its minimum.</summary>
    public PromotionChange RecordImpression(bool completed)
    {
        if (Status == PromotionStatus.Stopped)
        {
            return PromotionChange.None;
        }

        _total++;
        _impressions++;
        _completions += completed ? 1 : 0;
        return Status == PromotionStatus.Graduated || _impressions < Stage.MinImpressions ? PromotionChange.None : Judge();
    }

    /// <summary>Counts a share towards the current stage (nothing once stopped).</summary>
    public void RecordShare()
    {
        if (Status != PromotionStatus.Stopped)
        {
            _shares++;
        }
    }

    /// <summary>
    /// Places a video imported with history on the ladder: each stage is judged on its minimum impressions at the
    /// history's overall rates, as if they had arrived one by one; what is left stays in the stage it reaches.
    /// Only for a video with no impressions yet.
    /// </summary>
    public void Seed(long impressions, long completions, long shares)
    {
        if (_total != 0 || StageIndex != 0 || Status != PromotionStatus.Active)
        {
            throw new InvalidOperationException("only a video with no impressions can be seeded with history");
        }

        if (impressions < 0 || completions < 0 || shares < 0 || completions > impressions)
        {
            throw new ArgumentException($"history needs 0 ≤ completions ({completions}) ≤ impressions ({impressions}) and shares ≥ 0 ({shares})");
        }

        var completionRate = impressions == 0 ? 0 : (double)completions / impressions;
        var shareRate = impressions == 0 ? 0 : (double)shares / impressions;
        var left = impressions;
        while (left > 0 && Status == PromotionStatus.Active && left >= Stage.MinImpressions)
        {
            var n = Stage.MinImpressions;
            left -= n;
            _total += n;
            _impressions = n;
            _completions = (long)Math.Round(n * completionRate);
            _shares = (long)Math.Round(n * shareRate);
            Judge();
        }

        if (Status == PromotionStatus.Stopped)
        {
            return;
        }

        _total += left;
        _impressions += left;
        _completions += (long)Math.Round(left * completionRate);
        _shares += (long)Math.Round(left * shareRate);
    }

    /// <summary>The raw counters (for snapshots).</summary>
    public PromotionCounters Counters => new(StageIndex, Status, _impressions, _completions, _shares, _total);

    /// <summary>
    /// Restores the counters of a snapshot. A stage past the end of this ladder (the config lost stages since the
    /// snapshot) lands in the final stage, graduated.
    /// </summary>
    public void Restore(PromotionCounters counters)
    {
        if (counters.StageIndex < 0 || !Enum.IsDefined(counters.Status) || counters.StageImpressions < 0 || counters.TotalImpressions < 0)
        {
            throw new ArgumentException($"promotion snapshot stage {counters.StageIndex} / {counters.Status} / {counters.StageImpressions} impressions is not valid", nameof(counters));
        }

        var last = _settings.Stages.Count - 1;
        if (counters.StageIndex >= last && counters.Status != PromotionStatus.Stopped)
        {
            counters = counters with { StageIndex = last, Status = PromotionStatus.Graduated };
        }
        else if (counters.StageIndex > last)
        {
            counters = counters with { StageIndex = last };
        }

        StageIndex = counters.StageIndex;
        Status = counters.Status;
        _impressions = counters.StageImpressions;
        _completions = counters.StageCompletions;
        _shares = counters.StageShares;
        _total = counters.TotalImpressions;
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

    private PromotionChange Judge()
    {
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
}
