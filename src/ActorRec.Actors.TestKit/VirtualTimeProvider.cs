namespace ActorRec.Actors.TestKit;

/// <summary>
/// A TimeProvider whose clock moves only when a test calls <see cref="Advance"/> (or <see cref="SetUtcNow"/>).
/// Advancing fires every due timer on the calling thread, in order of due time (ties in creation order); a periodic
/// timer fires once for every period that elapsed. Timer callbacks run outside the internal lock, so they may create,
/// change or dispose timers.
/// </summary>
public sealed class VirtualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<VirtualTimer> _timers = [];
    private DateTimeOffset _now;
    private long _ticks;
    private long _sequence;

    public VirtualTimeProvider()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public VirtualTimeProvider(DateTimeOffset start) => _now = start;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Number of timers that are armed.</summary>
    public int ActiveTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count;
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override long GetTimestamp()
    {
        lock (_lock)
        {
            return _ticks;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward and fires the timers that became due, in order.</summary>
    public void Advance(TimeSpan delta)
    {
        if (delta < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "Virtual time moves forward only.");
        }
        long target;
        lock (_lock)
        {
            target = _ticks + delta.Ticks;
        }
        while (true)
        {
            VirtualTimer? due = null;
            lock (_lock)
            {
                foreach (var t in _timers)
                {
                    if (t.DueTicks <= target && (due is null || t.DueTicks < due.DueTicks || (t.DueTicks == due.DueTicks && t.Sequence < due.Sequence)))
                    {
                        due = t;
                    }
                }
                if (due is null)
                {
                    MoveTo(target);
                    return;
                }
                MoveTo(Math.Max(_ticks, due.DueTicks));
                if (due.PeriodTicks > 0)
                {
                    due.DueTicks += due.PeriodTicks;
                    due.Sequence = ++_sequence;
                }
                else
                {
                    _timers.Remove(due);
                }
            }
            due.Callback(due.State);
        }
    }

    /// <summary>Sets the wall clock (timestamps and timers are not affected).</summary>
    public void SetUtcNow(DateTimeOffset now)
    {
        lock (_lock)
        {
            _now = now;
        }
    }

    private void MoveTo(long ticks)
    {
        var delta = ticks - _ticks;
        _ticks = ticks;
        _now = _now.AddTicks(delta);
    }

    private void Arm(VirtualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
            if (timer.Disposed || dueTime == Timeout.InfiniteTimeSpan)
            {
                return;
            }
            timer.DueTicks = _ticks + Math.Max(0, dueTime.Ticks);
            timer.PeriodTicks = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? 0 : period.Ticks;
            timer.Sequence = ++_sequence;
            _timers.Add(timer);
        }
    }

    private void Disarm(VirtualTimer timer)
    {
        lock (_lock)
        {
            timer.Disposed = true;
            _timers.Remove(timer);
        }
    }

    private sealed class VirtualTimer(VirtualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public long DueTicks { get; set; }

        public long PeriodTicks { get; set; }

        public long Sequence { get; set; }

        public bool Disposed { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (Disposed)
            {
                return false;
            }
            owner.Arm(this, dueTime, period);
            return true;
        }

        public void Dispose() => owner.Disarm(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
