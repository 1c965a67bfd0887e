using ActorRec.Actors.Internal;

namespace ActorRec.Actors;

/// <summary>
/// A reference to an actor that does not live in this process's actor system (an actor on another cluster node),
/// implemented by a remoting provider. The runtime needs three things from it: the local system that issued it
/// (asks time out on that system's clock), and watch registration, because a foreign actor's death is observed by
/// the provider, not by the runtime.
/// </summary>
/// <remarks>
/// Contract for implementers: equality must follow <see cref="IActorRef.Path"/> (two instances naming the same
/// actor are equal and hash alike), because watch bookkeeping keys on the ref. After <see cref="AddWatcher"/> the
/// provider calls <see cref="ForeignDeathWatch.NotifyTerminated"/> once when the actor stops or its node is declared
/// gone; after <see cref="RemoveWatcher"/> it need not. <see cref="IActorRef.Tell"/> may throw for a message that
/// cannot be sent at all (e.g. a type without a registered serializer); inside <c>Ask</c> that fails the ask.
/// </remarks>
public interface IForeignActorRef : IActorRef
{
    /// <summary>The local actor system through which this reference was obtained.</summary>
    ActorSystem System { get; }

    /// <summary>Starts watching for <paramref name="watcher"/> (a local actor); called once per watching actor.</summary>
    void AddWatcher(IActorRef watcher);

    /// <summary>Stops watching for <paramref name="watcher"/> (Unwatch, or the watcher stopped).</summary>
    void RemoveWatcher(IActorRef watcher);
}

/// <summary>The call a remoting provider makes when a foreign actor that local actors watch is gone.</summary>
public static class ForeignDeathWatch
{
    /// <summary>
    /// Delivers <see cref="Terminated"/>(<paramref name="subject"/>) to <paramref name="watcher"/> if it still
    /// watches the subject (exactly once per watch, like a local death); otherwise does nothing.
    /// </summary>
    public static void NotifyTerminated(IActorRef watcher, IForeignActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        ArgumentNullException.ThrowIfNull(subject);
        var cell = ActorCell.AsCell(watcher) ?? throw new ArgumentException($"{watcher} is not a local actor.", nameof(watcher));
        cell.SendSystem(new ForeignDeathNotification(subject));
    }
}
