using Microsoft.Extensions.Logging;

namespace ActorRec.Actors;

/// <summary>A behaviour: returns true when it handled the message.</summary>
public delegate bool Receive(object message);

/// <summary>
/// The actor's view of the runtime. Use it only from the actor's own receive, hooks, or ReceiveAsync continuations;
/// it is not thread-safe.
/// </summary>
public interface IActorContext
{
    IActorRef Self { get; }

    /// <summary>Sender of the message being processed, or null (<see cref="ActorRefs.NoSender"/>).</summary>
    IActorRef? Sender { get; }

    IActorRef Parent { get; }

    ActorSystem System { get; }

    Props Props { get; }

    /// <summary>Creates a child; name null generates a unique one starting with '$'.</summary>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>The live child with this name, or null.</summary>
    IActorRef? Child(string name);

    /// <summary>A snapshot of the live children.</summary>
    IReadOnlyList<IActorRef> GetChildren();

    /// <summary>
    /// After this, exactly one <see cref="Terminated"/> for <paramref name="subject"/> arrives when it stops (at once if
    /// it is already stopped). Watching twice still gives one.
    /// </summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>No <see cref="Terminated"/> for the subject is delivered after this call.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Stops the actor (self or a child) after its current message; its mailbox goes to dead letters.</summary>
    void Stop(IActorRef actor);

    /// <summary>Replaces the current behaviour (the top of the behaviour stack).</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour; <see cref="Unbecome"/> returns to the previous one.</summary>
    void BecomeStacked(Receive receive);

    /// <summary>Pops the behaviour stack (no-op on the initial behaviour).</summary>
    void Unbecome();

    /// <summary>After <paramref name="timeout"/> without messages a <see cref="ReceiveTimeout"/> arrives; null turns it off.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);

    TimeSpan? ReceiveTimeout { get; }

    /// <summary>Named timers of this actor (cancelled when it stops or restarts).</summary>
    ITimerScheduler Timers { get; }

    /// <summary>A new stash of this actor, independent of the actor's default stash (for frameworks built on actors).</summary>
    IStash CreateStash();

    /// <summary>A logger named after the actor class.</summary>
    ILogger Log { get; }
}
