namespace ActorRec.Recommender.Experiments;

/// <summary>A point estimate with a confidence interval.</summary>
public readonly record struct Estimate(double Value, double Low, double High, long N);

/// <summary>One impression's outcome, as the experiment metrics see it.</summary>
public readonly record struct ImpressionOutcome(float WatchRatio, bool Completed, bool Liked);

/// <summary>What an arm has measured so far (<paramref name="IntraListDiversity"/>: mean over the feeds served to the arm).</summary>
public sealed record ArmReport(string Arm, long Impressions, Estimate WatchRatio, Estimate CompletionRate, Estimate LikesPerImpression, Estimate IntraListDiversity = default);

/// <summary>
/// Per-arm accumulators: impressions, completions, likes, and the sum and sum of squares of watch ratio.
/// Rates get Wilson score intervals (sound for small n and rates near 0), the mean watch ratio a normal interval
/// (mean ± z·s/√n). Thread-safe (one lock per arm; recording is a few adds).
/// </summary>
public sealed class ArmMetrics
{
    private readonly object _lock = new();
    private long _impressions;
    private long _completions;
    private long _likes;
    private double _watchSum;
    private double _watchSumSq;
    private long _feeds;
    private double _ildSum;
    private double _ildSumSq;

    /// <summary>Creates empty accumulators for <paramref name="arm"/>.</summary>
    public ArmMetrics(string arm)
    {
        Arm = arm ?? throw new ArgumentNullException(nameof(arm));
    }

    /// <summary>The arm's name.</summary>
    public string Arm { get; }

    /// <summary>Adds one impression.</summary>
    public void Record(in ImpressionOutcome outcome)
    {
        if (!float.IsFinite(outcome.WatchRatio) || outcome.WatchRatio < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome.WatchRatio, "WatchRatio must be finite and non-negative.");
        }

        lock (_lock)
        {
            _impressions++;
            _completions += outcome.Completed ? 1 : 0;
            _likes += outcome.Liked ? 1 : 0;
            _watchSum += outcome.WatchRatio;
            _watchSumSq += outcome.WatchRatio * (double)outcome.WatchRatio;
        }
    }

    /// <summary>Adds one like (likes arrive as events of their own, apart from the impression).</summary>
    public void RecordLike()
    {
        lock (_lock)
        {
            _likes++;
        }
    }

    /// <summary>Adds the intra-list diversity of one feed served to the arm.</summary>
    public void RecordFeed(double intraListDiversity)
    {
        if (!double.IsFinite(intraListDiversity))
        {
            throw new ArgumentOutOfRangeException(nameof(intraListDiversity), intraListDiversity, "intraListDiversity must be finite.");
        }

        lock (_lock)
        {
            _feeds++;
            _ildSum += intraListDiversity;
            _ildSumSq += intraListDiversity * intraListDiversity;
        }
    }

    /// <summary>The estimates at confidence <paramref name="z"/> (1.96 ≈ 95%).</summary>
    public ArmReport Report(double z = 1.96)
    {
        long n, completions, likes, feeds;
        double sum, sumSq, ildSum, ildSumSq;
        lock (_lock)
        {
            (n, completions, likes, sum, sumSq) = (_impressions, _completions, _likes, _watchSum, _watchSumSq);
            (feeds, ildSum, ildSumSq) = (_feeds, _ildSum, _ildSumSq);
        }

        return new ArmReport(Arm, n, Mean(sum, sumSq, n, z), Wilson(completions, n, z), Wilson(Math.Min(likes, n), n, z), Mean(ildSum, ildSumSq, feeds, z));
    }

    /// <summary>Wilson score interval of successes/n.</summary>
    public static Estimate Wilson(long successes, long n, double z = 1.96)
    {
        if (n == 0)
        {
            return new Estimate(0, 0, 1, 0);
        }

        var p = (double)successes / n;
        var z2 = z * z;
        var denominator = 1 + (z2 / n);
        var centre = (p + (z2 / (2 * n))) / denominator;
        var half = z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4.0 * n * n))) / denominator;
        return new Estimate(p, Math.Max(0, centre - half), Math.Min(1, centre + half), n);
    }

    /// <summary>Normal interval of a mean from its sum and sum of squares.</summary>
    public static Estimate Mean(double sum, double sumSq, long n, double z = 1.96)
    {
        if (n == 0)
        {
            return new Estimate(0, 0, 0, 0);
        }

        var mean = sum / n;
        var variance = n > 1 ? Math.Max(0, (sumSq - (n * mean * mean)) / (n - 1)) : 0;
        var half = z * Math.Sqrt(variance / n);
        return new Estimate(mean, mean - half, mean + half, n);
    }
}

/// <summary>Assignment plus per-arm metrics for a set of experiments (the event stream feeds <see cref="Record"/>).</summary>
public sealed class ExperimentRegistry
{
    private readonly Dictionary<string, (ExperimentSettings Settings, ArmMetrics[] Arms)> _experiments = new(StringComparer.Ordinal);

    /// <summary>Creates a registry over validated experiments.</summary>
    public ExperimentRegistry(IEnumerable<ExperimentSettings> experiments)
    {
        ArgumentNullException.ThrowIfNull(experiments);
        foreach (var e in experiments)
        {
            var arms = new ArmMetrics[e.Arms.Count];
            for (var i = 0; i < arms.Length; i++)
            {
                arms[i] = new ArmMetrics(e.Arms[i].Name);
            }

            if (!_experiments.TryAdd(e.Name, (e, arms)))
            {
                throw new ArgumentException($"experiments.{e.Name} is defined twice.", nameof(experiments));
            }
        }
    }

    /// <summary>Experiment names.</summary>
    public IEnumerable<string> Names => _experiments.Keys;

    /// <summary>Number of experiments.</summary>
    public int Count => _experiments.Count;

    /// <summary>The settings of an experiment, or null when there is none of that name.</summary>
    public ExperimentSettings? Find(string experiment) =>
        _experiments.TryGetValue(experiment ?? throw new ArgumentNullException(nameof(experiment)), out var e) ? e.Settings : null;

    /// <summary>Records a like of <paramref name="userId"/> in every experiment, under the user's arm.</summary>
    public void RecordLike(string userId)
    {
        foreach (var (settings, arms) in _experiments.Values)
        {
            arms[ExperimentAssigner.AssignIndex(settings, userId)].RecordLike();
        }
    }

    /// <summary>Records the intra-list diversity of a feed served to <paramref name="userId"/> in every experiment.</summary>
    public void RecordFeed(string userId, double intraListDiversity)
    {
        foreach (var (settings, arms) in _experiments.Values)
        {
            arms[ExperimentAssigner.AssignIndex(settings, userId)].RecordFeed(intraListDiversity);
        }
    }

    /// <summary>The arm of a user in an experiment.</summary>
    public ArmSettings Assign(string experiment, string userId) => ExperimentAssigner.Assign(Get(experiment).Settings, userId);

    /// <summary>Records one impression of <paramref name="userId"/> in every experiment, under the user's arm.</summary>
    public void Record(string userId, in ImpressionOutcome outcome)
    {
        foreach (var (settings, arms) in _experiments.Values)
        {
            arms[ExperimentAssigner.AssignIndex(settings, userId)].Record(outcome);
        }
    }

    /// <summary>Per-arm reports of one experiment.</summary>
    public IReadOnlyList<ArmReport> Report(string experiment, double z = 1.96)
    {
        var arms = Get(experiment).Arms;
        var reports = new ArmReport[arms.Length];
        for (var i = 0; i < arms.Length; i++)
        {
            reports[i] = arms[i].Report(z);
        }

        return reports;
    }

    private (ExperimentSettings Settings, ArmMetrics[] Arms) Get(string experiment) =>
        _experiments.TryGetValue(experiment ?? throw new ArgumentNullException(nameof(experiment)), out var e)
            ? e
            : throw new KeyNotFoundException($"No experiment named '{experiment}'.");
}
