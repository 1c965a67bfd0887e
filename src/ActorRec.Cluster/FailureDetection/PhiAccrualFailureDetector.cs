using System.Diagnostics;

namespace ActorRec.Cluster.FailureDetection;

/// <summary>
/// Phi-accrual failure detector for one monitored peer (Hayashibara et al., 2004).
/// </summary>
/// <remarks>
/// Instead of a yes/no timeout, the detector keeps a sliding window of the intervals between heartbeats and models
/// them as a normal distribution. At any instant it reports phi = -log10(P(a heartbeat arrives later than now)),
/// i.e. phi = 1 means a 10% chance we are wrong to suspect, phi = 8 one chance in 10^8.
///
/// Two corrections keep it robust in production:
/// <list type="bullet">
/// <item>the acceptable heartbeat pause is added to the mean, so a GC pause or a CPU-saturated node up to that
/// long does not raise phi much;</item>
/// <item>the standard deviation has a floor, because a very regular history (loopback, idle machine) would otherwise
/// make the first late heartbeat look catastrophic.</item>
/// </list>
/// The normal CDF uses the logistic approximation 1/(1+e^(-y(1.5976+0.070566y²))) (max error ~1.4e-4),
/// evaluated as a softplus so it stays finite (and keeps growing) for any silence, however long. Time comes from the injected <see cref="TimeProvider"/>.
/// Thread-safe: heartbeats arrive on transport threads while the membership loop reads phi.
/// </remarks>
[DebuggerDisplay("PhiAccrual samples={_count} last={_lastHeartbeat}")]
public sealed class PhiAccrualFailureDetector
{
    private readonly FailureDetectorOptions _options;
    private readonly TimeProvider _time;
    private readonly double[] _intervals;
    private readonly Lock _gate = new();
    private int _head;
    private int _count;
    private double _sum;
    private double _sumOfSquares;
    private long _lastHeartbeat = -1;

    public PhiAccrualFailureDetector(FailureDetectorOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        _intervals = new double[options.MaxSampleSize];
    }

    /// <summary>True once at least one heartbeat arrived.</summary>
    public bool IsMonitoring
    {
        get
        {
            lock (_gate)
            {
                return _lastHeartbeat >= 0;
            }
        }
    }

    /// <summary>Records a heartbeat arriving now.</summary>
    public void Heartbeat()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_lastHeartbeat < 0)
            {
                // Seed the history with an estimate so phi is meaningful after the very first heartbeat.
                var estimate = _options.FirstHeartbeatEstimate.TotalMilliseconds;
                var deviation = estimate / 4;
                AddInterval(estimate - deviation);
                AddInterval(estimate + deviation);
            }
            else
            {
                AddInterval(_time.GetElapsedTime(_lastHeartbeat, now).TotalMilliseconds);
            }

            _lastHeartbeat = now;
        }
    }

    /// <summary>Suspicion level now; 0 before the first heartbeat.</summary>
    public double Phi()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_lastHeartbeat < 0)
            {
                return 0;
            }

            var elapsed = _time.GetElapsedTime(_lastHeartbeat, now).TotalMilliseconds;
            var mean = _sum / _count;
            var variance = Math.Max(0, (_sumOfSquares / _count) - (mean * mean));
            var stdDev = Math.Max(Math.Sqrt(variance), _options.MinStdDeviation.TotalMilliseconds);
            return ComputePhi(elapsed, mean + _options.AcceptableHeartbeatPause.TotalMilliseconds, stdDev);
        }
    }

    /// <summary>False when phi is at or above the threshold (the peer is suspected).</summary>
    public bool IsAvailable() => Phi() < _options.Threshold;

    internal static double ComputePhi(double elapsedMs, double meanMs, double stdDevMs)
    {
        Debug.Assert(stdDevMs > 0, "the standard deviation has a positive floor");
        var y = (elapsedMs - meanMs) / stdDevMs;
        // P(later) = 1 - CDF = 1/(1+e^z) with z = y(1.5976 + 0.070566y²), so phi = log10(1+e^z) = softplus(z)/ln 10,
        // evaluated without overflow for any z.
        var z = y * (1.5976 + (0.070566 * y * y));
        var softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
        return softplus / Math.Log(10);
    }

    private void AddInterval(double intervalMs)
    {
        if (_count == _intervals.Length)
        {
            var old = _intervals[_head];
            _sum -= old;
            _sumOfSquares -= old * old;
        }
        else
        {
            _count++;
        }

        _intervals[_head] = intervalMs;
        _head = (_head + 1) % _intervals.Length;
        _sum += intervalMs;
        _sumOfSquares += intervalMs * intervalMs;
    }
}

/// <summary>Parameters of <see cref="PhiAccrualFailureDetector"/>.</summary>
public sealed record FailureDetectorOptions(
    double Threshold,
    int MaxSampleSize,
    TimeSpan MinStdDeviation,
    TimeSpan AcceptableHeartbeatPause,
    TimeSpan FirstHeartbeatEstimate)
{
    public static FailureDetectorOptions From(ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(settings.PhiThreshold, settings.MaxSampleSize, settings.MinStdDeviation,
            settings.AcceptableHeartbeatPause, settings.FirstHeartbeatEstimate);
    }
}
