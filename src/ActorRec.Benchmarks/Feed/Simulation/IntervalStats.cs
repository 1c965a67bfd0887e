namespace ActorRec.Benchmarks.Feed.Simulation;

/// <summary>One row of the simulation report: what happened during one interval (a minute by default).</summary>
public sealed record IntervalRow(
    int Index,
    TimeSpan Elapsed,
    double FeedsPerSecond,
    double P50Ms,
    double P99Ms,
    double EventsPerSecond,
    double MeanWatchRatio,
    double CompletionRate,
    long Errors,
    long Dropped);

/// <summary>Thread-safe accumulators of one interval.</summary>
internal sealed class IntervalStats(int index)
{
    private readonly Lock _lock = new();
    private readonly List<double> _latenciesMs = [];
    private long _events;
    private long _shown;
    private long _completed;
    private double _watchRatioSum;
    private long _errors;
    private long _dropped;

    public int Index { get; } = index;

    public void Feed(double latencyMs, int shown, int completed, double watchRatioSum, int events)
    {
        lock (_lock)
        {
            _latenciesMs.Add(latencyMs);
            _shown += shown;
            _completed += completed;
            _watchRatioSum += watchRatioSum;
            _events += events;
        }
    }

    public void Error() => Interlocked.Increment(ref _errors);

    public void Drop() => Interlocked.Increment(ref _dropped);

    /// <summary>The row so far; <paramref name="elapsed"/> is how much of the interval has passed.</summary>
    public IntervalRow Snapshot(TimeSpan elapsed)
    {
        lock (_lock)
        {
            var seconds = Math.Max(elapsed.TotalSeconds, 1e-3);
            var sorted = _latenciesMs.ToArray();
            Array.Sort(sorted);
            return new IntervalRow(
                Index, elapsed, sorted.Length / seconds, Percentile(sorted, 0.50), Percentile(sorted, 0.99), _events / seconds,
                _shown == 0 ? 0 : _watchRatioSum / _shown, _shown == 0 ? 0 : (double)_completed / _shown,
                Interlocked.Read(ref _errors), Interlocked.Read(ref _dropped));
        }
    }

    /// <summary>Nearest-rank percentile of sorted values (0 when empty).</summary>
    internal static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
