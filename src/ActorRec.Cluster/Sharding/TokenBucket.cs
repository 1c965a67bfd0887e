namespace ActorRec.Cluster.Sharding;

/// <summary>
/// Token bucket on an injected clock: up to <see cref="Burst"/> tokens, refilled continuously at
/// <see cref="RatePerSecond"/>. Bounds how fast a node recovers entities after a failover, so re-homing a dead
/// node's shards does not send every entity's journal read to the database at once. Not thread-safe.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private double _tokens;
    private long _lastTimestamp;

    public TokenBucket(double ratePerSecond, int burst, TimeProvider time)
    {
        if (!(ratePerSecond > 0) || !double.IsFinite(ratePerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "must be a positive number");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentNullException.ThrowIfNull(time);
        RatePerSecond = ratePerSecond;
        Burst = burst;
        _time = time;
        _tokens = burst;
        _lastTimestamp = time.GetTimestamp();
    }

    public double RatePerSecond { get; }

    public int Burst { get; }

    /// <summary>Tokens available now (fractional while refilling).</summary>
    public double Available
    {
        get
        {
            Refill();
            return _tokens;
        }
    }

    /// <summary>Takes one token if there is one.</summary>
    public bool TryTake()
    {
        Refill();
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }

    /// <summary>Time until the next token (zero when one is available).</summary>
    public TimeSpan TimeUntilNext()
    {
        Refill();
        return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / RatePerSecond);
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_lastTimestamp, now);
        _lastTimestamp = now;
        _tokens = Math.Min(Burst, _tokens + (elapsed.TotalSeconds * RatePerSecond));
    }
}
