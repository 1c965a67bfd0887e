using System.Collections.Concurrent;

namespace ActorRec.Cluster.Tests.MultiProcess.Scenarios;

/// <summary>
/// Counters of one kind of request (event batches or feeds) sent by a <see cref="ScenarioLoad"/>: every request is
/// retried against another node until it succeeds or its retry window ends. <see cref="Succeeded"/> counts requests,
/// not attempts; <see cref="FailedAttempts"/> counts attempts that failed and were retried (the client saw an error
/// but the request went through later); <see cref="GaveUp"/> counts requests that never succeeded (the "failures
/// that were not retried" of the scenarios: they must be zero); <see cref="Rejected"/> counts 4xx answers, which a
/// valid request never deserves (a product bug, never retried).
/// </summary>
public sealed class LoadStats(string what)
{
    private const int MaxSamples = 12;
    private readonly ConcurrentQueue<string> _samples = new();
    private readonly ConcurrentDictionary<string, int> _failureKinds = new(StringComparer.Ordinal);
    private long _succeeded;
    private long _failedAttempts;
    private long _gaveUp;
    private long _rejected;
    private long _maxLatencyTicks;

    public string What { get; } = what;

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    public long GaveUp => Interlocked.Read(ref _gaveUp);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Longest time from a request's first attempt to its success (retries included).</summary>
    public TimeSpan MaxLatency => TimeSpan.FromTicks(Interlocked.Read(ref _maxLatencyTicks));

    /// <summary>Failed attempts by kind ("503", "HttpRequestException", ...).</summary>
    public IReadOnlyDictionary<string, int> FailureKinds => _failureKinds;

    internal void Success(TimeSpan latency)
    {
        Interlocked.Increment(ref _succeeded);
        var ticks = latency.Ticks;
        var seen = Interlocked.Read(ref _maxLatencyTicks);
        while (ticks > seen && Interlocked.CompareExchange(ref _maxLatencyTicks, ticks, seen) != seen)
        {
            seen = Interlocked.Read(ref _maxLatencyTicks);
        }
    }

    internal void AttemptFailed(string kind, string detail)
    {
        Interlocked.Increment(ref _failedAttempts);
        _failureKinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
        Sample($"retried after {kind}: {detail}");
    }

    internal void GiveUp(string detail)
    {
        Interlocked.Increment(ref _gaveUp);
        Sample("GAVE UP: " + detail);
    }

    internal void Reject(string detail)
    {
        Interlocked.Increment(ref _rejected);
        Sample("REJECTED: " + detail);
    }

    public override string ToString() =>
        $"{What}: {Succeeded} ok, {FailedAttempts} failed attempts retried ({string.Join(", ", _failureKinds.Select(k => $"{k.Key}×{k.Value}"))}), " +
        $"{GaveUp} gave up, {Rejected} rejected, max latency {MaxLatency.TotalSeconds:0.0}s" +
        (_samples.IsEmpty ? "" : "\n  " + string.Join("\n  ", _samples));

    private void Sample(string line)
    {
        if (_samples.Count < MaxSamples)
        {
            _samples.Enqueue(line.Length > 400 ? line[..400] : line);
        }
    }
}
