namespace ActorRec.Cluster.Transport;

/// <summary>
/// Exponential back-off with "equal jitter": attempt n waits between half and all of min·2ⁿ (capped at max),
/// so peers that lost the same node do not redial in lock-step.
/// </summary>
internal sealed class ReconnectBackoff(TimeSpan min, TimeSpan max, Random random)
{
    public TimeSpan Next(int attempt)
    {
        var exponent = Math.Min(attempt, 30);
        var ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, exponent));
        double jitter;
        lock (random)
        {
            jitter = random.NextDouble();
        }

        return TimeSpan.FromMilliseconds((ceiling / 2) + (jitter * ceiling / 2));
    }
}
