using Microsoft.Extensions.Logging;

namespace ActorRec.Actors.Internal;

/// <summary>
/// Per-actor state that most actors never need (children, watchers, stash, timers, receive timeout, supervision
/// bookkeeping). Allocated on first use so that an idle actor is one cell object plus its path.
/// </summary>
internal sealed class CellExtras
{
    /// <summary>Guarded by lock(this): ActorOf on a guardian may come from any thread.</summary>
    public Dictionary<string, ActorCell>? Children;
    public HashSet<ActorCell>? Watching;
    public HashSet<IForeignActorRef>? WatchingForeign;
    public Dictionary<ActorCell, RestartStatistics>? RestartStats;
    public ActorStash? DefaultStash;
    public TimerScheduler? Timers;
    public object? FailedMessage;
    public Exception? PendingAsyncFailure;
    public Exception? PendingRestartCause;
    public ILogger? Log;

    public TimeSpan? ReceiveTimeout;
    public ITimer? ReceiveTimeoutTimer;
    public ReceiveTimeoutTick? ReceiveTimeoutTick;
    public long LastActivity;
}
