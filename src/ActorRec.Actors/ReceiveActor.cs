namespace ActorRec.Actors;

/// <summary>
/// An actor that declares typed handlers in its constructor: <c>Receive&lt;Order&gt;(o =&gt; ...)</c>. Handlers are
/// tried in declaration order; the first whose type (and optional predicate) matches handles the message.
/// <see cref="Become(Action)"/> swaps in a handler set declared by the given action.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private readonly HandlerSet _initial;
    private HandlerSet _building;

    protected ReceiveActor()
    {
        _initial = new HandlerSet(Context);
        _building = _initial;
    }

    protected sealed override bool Receive(object message) => _initial.TryHandle(message);

    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null) => _building.Add(handler, shouldHandle);

    /// <summary>A handler that returns false when it did not handle the message (the next handler is tried).</summary>
    protected void Receive<T>(Func<T, bool> handler) => _building.Add(handler);

    /// <summary>
    /// An asynchronous handler: the actor processes no other message (system messages included) until the task
    /// completes; a faulted task is a failure of the actor. Inside the continuation, Self/Sender/Context still work.
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null) => _building.AddAsync(handler, shouldHandle);

    /// <summary>Handles every message not handled by an earlier handler.</summary>
    protected void ReceiveAny(Action<object> handler) => _building.Add(handler);

    /// <summary>Replaces the current behaviour with the handlers that <paramref name="configure"/> declares.</summary>
    protected void Become(Action configure) => Context.Become(Build(configure));

    /// <summary>Pushes the handlers that <paramref name="configure"/> declares; Unbecome returns.</summary>
    protected void BecomeStacked(Action configure) => Context.BecomeStacked(Build(configure));

    private Receive Build(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var set = new HandlerSet(Context);
        var previous = _building;
        _building = set;
        try
        {
            configure();
        }
        finally
        {
            _building = previous;
        }
        return set.TryHandle;
    }
}
