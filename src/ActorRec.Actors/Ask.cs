using ActorRec.Actors.Internal;

namespace ActorRec.Actors;

/// <summary>
/// Request-reply from outside an actor (or from an actor that must await). The ask creates a temporary reference
/// that completes the returned task with the first reply: a <see cref="Status.Failure"/> reply fails it with its
/// cause, a reply of another type than the one asked for fails it with <see cref="AskReplyTypeException"/>.
/// Continuations run asynchronously (never inside the replying actor's turn). The timeout comes from the system's
/// TimeProvider; an ask whose request goes to dead letters (stopped recipient) fails at once.
/// </summary>
public static class AskExtensions
{
    public static Task<object> Ask(this IActorRef target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Ask<object>(target, message, timeout, cancellationToken);

    public static Task<T> Ask<T>(this IActorRef target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        var system = SystemOf(target) ?? throw new ArgumentException($"Ask needs an actor of an actor system as target; {target} is not one.", nameof(target));
        var t = timeout ?? system.Settings.AskTimeout;
        if (t <= TimeSpan.Zero && t != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "An ask timeout must be positive (or infinite).");
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        var promise = new PromiseActorRef<T>(system, target);
        promise.Arm(t, cancellationToken);
        try
        {
            target.Tell(message, promise);
        }
        catch (Exception ex)
        {
            promise.Fail(ex);
        }
        return promise.Task;
    }

    private static ActorSystem? SystemOf(IActorRef target) => target switch
    {
        ActorCell cell => cell.System,
        ICellRef wrapper => wrapper.Cell.System,
        DeadLetterRef deadLetters => deadLetters.System,
        IForeignActorRef foreign => foreign.System,
        _ => null,
    };
}

internal interface IPromiseRef
{
    void FailRecipientTerminated(IActorRef recipient);
}

/// <summary>The temporary reference of one ask; it is its own TaskCompletionSource (one object, one task).</summary>
internal sealed class PromiseActorRef<T> : TaskCompletionSource<T>, IActorRef, IPromiseRef
{
    private readonly ActorSystem _system;
    private readonly IActorRef _target;
    private ITimer? _timer;
    private CancellationTokenRegistration _registration;
    private ActorPath? _path;

    public PromiseActorRef(ActorSystem system, IActorRef target)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _system = system;
        _target = target;
    }

    /// <summary>
    /// A unique <c>/temp/$n</c> path, made on first use: from then until the ask completes the promise can be found
    /// by <see cref="ActorSystem.ResolveLocal(string)"/> (a remote reply addresses it by this path).
    /// </summary>
    public ActorPath Path
    {
        get
        {
            if (Volatile.Read(ref _path) is { } path)
            {
                return path;
            }
            var created = _system.RegisterTemp(this);
            if (Interlocked.CompareExchange(ref _path, created, null) is { } raced)
            {
                _system.UnregisterTemp(created);
                return raced;
            }
            if (Task.IsCompleted)
            {
                _system.UnregisterTemp(created);
            }
            return created;
        }
    }

    public void Arm(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _timer = _system.TimeProvider.CreateTimer(static s => ((PromiseActorRef<T>)s!).OnTimeout(), this, timeout, Timeout.InfiniteTimeSpan);
        }
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static (s, ct) => ((PromiseActorRef<T>)s!).OnCancelled(ct), this);
        }
    }

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        bool completed;
        if (message is T value)
        {
            completed = TrySetResult(value);
        }
        else if (message is Status.Failure failure)
        {
            completed = TrySetException(failure.Cause);
        }
        else
        {
            completed = TrySetException(new AskReplyTypeException(
                $"Ask<{typeof(T).Name}> to {_target.Path} got a reply of type {message.GetType().Name}."));
        }
        if (completed)
        {
            Cleanup();
        }
        else
        {
            _system.DeadLetter(message, sender, this);
        }
    }

    public void Fail(Exception exception)
    {
        if (TrySetException(exception))
        {
            Cleanup();
        }
    }

    public void FailRecipientTerminated(IActorRef recipient) =>
        Fail(new RecipientTerminatedException($"The ask to {recipient.Path} went to dead letters: the recipient is stopped."));

    private void OnTimeout()
    {
        if (TrySetException(new AskTimeoutException($"The ask to {_target.Path} timed out.")))
        {
            Cleanup();
        }
    }

    private void OnCancelled(CancellationToken token)
    {
        if (TrySetCanceled(token))
        {
            Cleanup();
        }
    }

    private void Cleanup()
    {
        _timer?.Dispose();
        _registration.Dispose();
        if (Volatile.Read(ref _path) is { } path)
        {
            _system.UnregisterTemp(path);
        }
    }

    public override string ToString() => $"Ask<{typeof(T).Name}> to {_target.Path}";
}
