namespace ActorRec.Actors;

/// <summary>What a supervisor does with a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the actor instance and its state; continue with the next message.</summary>
    Resume,

    /// <summary>Replace the actor instance (PreRestart/PostRestart); the mailbox is kept, the failing message dropped.</summary>
    Restart,

    /// <summary>Stop the child.</summary>
    Stop,

    /// <summary>Fail the supervisor itself with the same exception, so its own supervisor decides.</summary>
    Escalate,
}

/// <summary>
/// One-for-one supervision: the decision applies only to the failed child. A child may restart at most
/// <see cref="MaxNrOfRetries"/> times within <see cref="WithinTimeRange"/> (counted per child, window from the first
/// restart in it); one more failure stops it. With a back-off, the n-th consecutive restart in the window waits
/// min(<see cref="MinBackoff"/> × 2^(n−1), <see cref="MaxBackoff"/>) before the new instance is created; the child's
/// mailbox keeps filling meanwhile.
/// </summary>
public sealed class SupervisorStrategy
{
    private readonly Func<Exception, Directive> _decider;

    /// <param name="decider">Maps a failure to a directive.</param>
    /// <param name="maxNrOfRetries">-1 = unlimited; 0 = never restart (stop instead).</param>
    /// <param name="withinTimeRange">The window the retries are counted in; null = forever.</param>
    /// <param name="minBackoff">Delay before the first restart; zero = restart at once.</param>
    /// <param name="maxBackoff">Upper bound of the doubling back-off.</param>
    public SupervisorStrategy(
        Func<Exception, Directive> decider,
        int maxNrOfRetries = -1,
        TimeSpan? withinTimeRange = null,
        TimeSpan? minBackoff = null,
        TimeSpan? maxBackoff = null)
    {
        ArgumentNullException.ThrowIfNull(decider);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNrOfRetries, -1);
        if (withinTimeRange is { } w && w <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(withinTimeRange), w, "Must be positive.");
        }
        var min = minBackoff ?? TimeSpan.Zero;
        if (min < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(minBackoff), min, "Must not be negative.");
        }
        var max = maxBackoff ?? (min == TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks(min.Ticks * 64));
        if (max < min)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBackoff), max, "Must be at least minBackoff.");
        }
        _decider = decider;
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        MinBackoff = min;
        MaxBackoff = max;
    }

    /// <summary>
    /// Restart on any exception, except <see cref="ActorInitializationException"/> and
    /// <see cref="ActorKilledException"/> which stop the child; unlimited retries, no back-off.
    /// </summary>
    public static SupervisorStrategy Default { get; } = new(DefaultDecider);

    /// <summary>Stops the child on any failure.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new(static _ => Directive.Stop);

    public int MaxNrOfRetries { get; }

    public TimeSpan? WithinTimeRange { get; }

    public TimeSpan MinBackoff { get; }

    public TimeSpan MaxBackoff { get; }

    public static Directive DefaultDecider(Exception exception) => exception switch
    {
        ActorInitializationException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        _ => Directive.Restart,
    };

    public Directive Decide(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return _decider(exception);
    }

    /// <summary>The delay before the restart number <paramref name="restartNumber"/> (1-based) in the window.</summary>
    public TimeSpan BackoffFor(int restartNumber)
    {
        if (MinBackoff == TimeSpan.Zero || restartNumber < 1)
        {
            return TimeSpan.Zero;
        }
        var shift = Math.Min(restartNumber - 1, 30);
        var ticks = MinBackoff.Ticks * (1L << shift);
        return ticks <= 0 || ticks > MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks(ticks);
    }
}

/// <summary>Restart bookkeeping of one child, kept by its supervisor.</summary>
internal sealed class RestartStatistics
{
    private long _windowStart;
    private int _count;

    /// <summary>Whether one more restart is allowed now; counts it when it is. Returns the restart number in the window.</summary>
    public bool RequestRestartPermission(SupervisorStrategy strategy, TimeProvider time, out int restartNumber)
    {
        restartNumber = 0;
        if (strategy.MaxNrOfRetries == 0)
        {
            return false;
        }
        var now = time.GetTimestamp();
        if (strategy.WithinTimeRange is { } window && (_count == 0 || time.GetElapsedTime(_windowStart, now) > window))
        {
            _windowStart = now;
            _count = 0;
        }
        if (strategy.MaxNrOfRetries > 0 && _count >= strategy.MaxNrOfRetries)
        {
            return false;
        }
        restartNumber = ++_count;
        return true;
    }
}
