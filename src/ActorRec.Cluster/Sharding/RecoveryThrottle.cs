namespace ActorRec.Cluster.Sharding;

/// <summary>
/// Entity starts (each one a journal recovery) gated by a <see cref="TokenBucket"/>: an entity whose first message
/// arrives when no token is left waits in a FIFO queue, and its messages wait with it in the region. The region asks
/// <see cref="TakeReady"/> on a timer set to <see cref="TimeUntilNext"/>. Entities already resident are never gated.
/// Not thread-safe: the region actor owns it.
/// </summary>
public sealed class RecoveryThrottle(TokenBucket bucket)
{
    private readonly TokenBucket _bucket = bucket ?? throw new ArgumentNullException(nameof(bucket));
    private readonly Queue<string> _waiting = new();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);

    /// <summary>Entities waiting for a token.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Entities started through the throttle so far.</summary>
    public long Started { get; private set; }

    /// <summary>Tokens available now (fractional while refilling).</summary>
    public double Tokens => _bucket.Available;

    public bool IsWaiting(string id) => _queued.Contains(id);

    /// <summary>True when <paramref name="id"/> may start now; otherwise it is queued (once) and false is returned.</summary>
    public bool TryStart(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (_queued.Contains(id))
        {
            return false;
        }

        if (_waiting.Count == 0 && _bucket.TryTake())
        {
            Started++;
            return true;
        }

        _waiting.Enqueue(id);
        _queued.Add(id);
        return false;
    }

    /// <summary>Moves queued entities that now have a token into <paramref name="into"/>, oldest first.</summary>
    public void TakeReady(List<string> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        while (_waiting.Count > 0 && _bucket.TryTake())
        {
            var id = _waiting.Dequeue();
            _queued.Remove(id);
            Started++;
            into.Add(id);
        }
    }

    /// <summary>When to call <see cref="TakeReady"/> next; null when nothing waits.</summary>
    public TimeSpan? TimeUntilNext() => _waiting.Count == 0 ? null : _bucket.TimeUntilNext();

    /// <summary>Forgets a queued entity (its shard was handed off before it started); false when not queued.</summary>
    public bool Cancel(string id)
    {
        if (!_queued.Remove(id))
        {
            return false;
        }

        // Rare (handoff of a shard with waiting starts): rebuild the queue without it.
        var keep = _waiting.Count - 1;
        for (var i = 0; i <= keep; i++)
        {
            var next = _waiting.Dequeue();
            if (next != id)
            {
                _waiting.Enqueue(next);
            }
        }

        return true;
    }
}
