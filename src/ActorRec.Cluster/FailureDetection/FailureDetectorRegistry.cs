using System.Collections.Concurrent;

namespace ActorRec.Cluster.FailureDetection;

/// <summary>The local node's opinion of its peers, as the membership rules consume it.</summary>
public interface IFailureDetectorView
{
    /// <summary>
    /// True when this node monitors <paramref name="memberKey"/> (has had a heartbeat from it) and its phi is at or above
    /// the threshold. A member never heard from is not suspected here: table heartbeats cover that case.
    /// </summary>
    bool IsSuspected(string memberKey);
}

/// <summary>One phi-accrual detector per monitored member key (node name + incarnation), fed by transport heartbeats.</summary>
public sealed class FailureDetectorRegistry(FailureDetectorOptions options, TimeProvider time) : IFailureDetectorView
{
    private readonly ConcurrentDictionary<string, PhiAccrualFailureDetector> _detectors = new(StringComparer.Ordinal);

    /// <summary>Records a heartbeat from <paramref name="memberKey"/>.</summary>
    public void Heartbeat(string memberKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(memberKey);
        if (!_detectors.TryGetValue(memberKey, out var detector))
        {
            detector = _detectors.GetOrAdd(memberKey, _ => new PhiAccrualFailureDetector(options, time));
        }

        detector.Heartbeat();
    }

    public double Phi(string memberKey) => _detectors.TryGetValue(memberKey, out var d) ? d.Phi() : 0;

    public bool IsSuspected(string memberKey) =>
        _detectors.TryGetValue(memberKey, out var d) && d.IsMonitoring && !d.IsAvailable();

    /// <summary>Stops monitoring a member that left or was removed.</summary>
    public void Remove(string memberKey) => _detectors.TryRemove(memberKey, out _);
}
