using ActorRec.Actors.Internal;
using Microsoft.Extensions.Logging;

namespace ActorRec.Actors;

/// <summary>
/// Base of every actor. Construct actors only through <see cref="Props"/> (ActorOf); the runtime calls the receive
/// one message at a time, so an actor's fields need no locks. Overridable hooks: PreStart, PostStop, PreRestart,
/// PostRestart, SupervisorStrategy, Unhandled and AroundReceive (for frameworks such as persistent actors).
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;
    private Receive[]? _behaviors;
    private int _behaviorCount;

    protected ActorBase()
    {
        _cell = ActorCell.Creating ?? throw new InvalidOperationException(
            $"{GetType().Name} must be created by the actor system (ActorOf with Props), not with 'new'.");
    }

    /// <summary>The actor's context.</summary>
    protected IActorContext Context => _cell;

    protected IActorRef Self => _cell;

    /// <summary>Sender of the message being processed (null = no sender).</summary>
    protected IActorRef? Sender => _cell.Sender;

    /// <summary>The actor's default stash.</summary>
    protected IStash Stash => _cell.DefaultStash;

    /// <summary>The actor's named timers.</summary>
    protected ITimerScheduler Timers => _cell.Timers;

    /// <summary>The initial behaviour.</summary>
    protected abstract bool Receive(object message);

    /// <summary>
    /// Called for every user message; the default passes it to the current behaviour. Override to intercept messages
    /// (for example to stash them while waiting for I/O) and call <see cref="ReceiveCurrent"/> to deliver.
    /// </summary>
    protected virtual bool AroundReceive(object message) => ReceiveCurrent(message);

    /// <summary>Passes a message to the current behaviour (top of the behaviour stack).</summary>
    protected bool ReceiveCurrent(object message)
    {
        var count = _behaviorCount;
        return count == 0 ? Receive(message) : _behaviors![count - 1](message);
    }

    /// <summary>Called for a message no behaviour handled; publishes <see cref="UnhandledMessage"/> and logs at debug.</summary>
    protected virtual void Unhandled(object message) => _cell.PublishUnhandled(message);

    protected virtual void PreStart()
    {
    }

    protected virtual void PostStop()
    {
    }

    /// <summary>Called on the failed instance before a restart; the default stops all children and calls PostStop.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in _cell.GetChildren())
        {
            _cell.Stop(child);
        }
        PostStop();
    }

    /// <summary>Called on the new instance after a restart; the default calls PreStart.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>How failures of this actor's children are handled; default: <see cref="SupervisorStrategy.Default"/>.</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.Default;

    // Entry points for the runtime: the hooks stay 'protected' for subclasses in any assembly.
    internal bool InvokeAroundReceive(object message) => AroundReceive(message);

    internal void InvokeUnhandled(object message) => Unhandled(message);

    internal void InvokePreStart() => PreStart();

    internal void InvokePostStop() => PostStop();

    internal void InvokePreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void InvokePostRestart(Exception reason) => PostRestart(reason);

    internal SupervisorStrategy InvokeSupervisorStrategy() => SupervisorStrategy();

    internal void BecomeInternal(Receive receive, bool discardOld)
    {
        ArgumentNullException.ThrowIfNull(receive);
        if (discardOld && _behaviorCount > 0)
        {
            _behaviors![_behaviorCount - 1] = receive;
            return;
        }
        _behaviors ??= new Receive[4];
        if (_behaviorCount == _behaviors.Length)
        {
            Array.Resize(ref _behaviors, _behaviors.Length * 2);
        }
        _behaviors[_behaviorCount++] = receive;
    }

    internal void UnbecomeInternal()
    {
        if (_behaviorCount > 0)
        {
            _behaviors![--_behaviorCount] = null!;
        }
    }

    internal ILogger CreateLogger() => _cell.System.LoggerFactory.CreateLogger(GetType());
}
