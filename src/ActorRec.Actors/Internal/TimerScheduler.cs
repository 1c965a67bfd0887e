namespace ActorRec.Actors.Internal;

/// <summary>
/// Named timers of one actor. Each start creates a new <see cref="TimerEntry"/>, which is itself the message the
/// TimeProvider timer enqueues; on dequeue the cell delivers the payload only if that very entry is still the active
/// one for its key. So a cancelled or replaced timer's messages are dropped even when already in the mailbox.
/// Used only on the actor's own thread; the timer callbacks only enqueue.
/// </summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, TimerEntry> _active = [];

    public void StartSingleTimer(object key, object message, TimeSpan delay) => Start(key, message, delay, Timeout.InfiniteTimeSpan);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) => StartPeriodicTimer(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "A periodic timer needs a positive interval.");
        }
        Start(key, message, initialDelay, interval);
    }

    public bool IsTimerActive(object key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _active.ContainsKey(key);
    }

    public void Cancel(object key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_active.Remove(key, out var entry))
        {
            entry.Timer?.Dispose();
        }
    }

    public void CancelAll()
    {
        foreach (var entry in _active.Values)
        {
            entry.Timer?.Dispose();
        }
        _active.Clear();
    }

    /// <summary>The payload to deliver, or null when the entry is stale.</summary>
    public object? OnFired(TimerEntry entry)
    {
        if (!_active.TryGetValue(entry.Key, out var current) || !ReferenceEquals(current, entry))
        {
            return null;
        }
        if (!entry.Periodic)
        {
            _active.Remove(entry.Key);
            entry.Timer?.Dispose();
        }
        return entry.Message;
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "Must not be negative.");
        }
        Cancel(key);
        var entry = new TimerEntry(cell, key, message, period != Timeout.InfiniteTimeSpan);
        _active[key] = entry;
        entry.Timer = cell.System.TimeProvider.CreateTimer(static s => ((TimerEntry)s!).Fire(), entry, delay, period);
    }
}

internal sealed class TimerEntry(ActorCell cell, object key, object message, bool periodic) : InternalMessage
{
    public object Key { get; } = key;

    public object Message { get; } = message;

    public bool Periodic { get; } = periodic;

    public ITimer? Timer { get; set; }

    public void Fire() => cell.EnqueueInternal(this);
}
