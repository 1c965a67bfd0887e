using ActorRec.Actors.Internal;

namespace ActorRec.Actors;

/// <summary>
/// An immutable, thread-safe handle to an actor. <see cref="Tell"/> never blocks and never throws for an ordinary
/// unbounded mailbox; a message to a stopped actor goes to dead letters.
/// </summary>
public interface IActorRef
{
    /// <summary>The actor's hierarchical path, e.g. <c>actorrec://sys/user/parent/child</c>.</summary>
    ActorPath Path { get; }

    /// <summary>Sends <paramref name="message"/> one-way; <paramref name="sender"/> becomes the receiver's Sender.</summary>
    void Tell(object message, IActorRef? sender);
}

/// <summary>Well-known references.</summary>
public static class ActorRefs
{
    /// <summary>A reference that silently drops every message (use as a sender that wants no reply).</summary>
    public static readonly IActorRef Nobody = new NobodyRef();

    /// <summary>"No sender": replies to it go to dead letters.</summary>
    public static readonly IActorRef? NoSender;

    private sealed class NobodyRef : IActorRef
    {
        public ActorPath Path { get; } = ActorPath.Root("nobody");

        public void Tell(object message, IActorRef? sender)
        {
            if (message is null)
            {
                throw new ArgumentNullException(nameof(message));
            }
        }

        public override string ToString() => "Nobody";
    }
}

/// <summary>Conveniences on <see cref="IActorRef"/>.</summary>
public static class ActorRefExtensions
{
    /// <summary>
    /// Sends with the implicit sender: inside an actor's receive (or a ReceiveAsync continuation) that is Self,
    /// elsewhere it is <see cref="ActorRefs.NoSender"/>.
    /// </summary>
    public static void Tell(this IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, ActorCell.ImplicitSender);
    }

    /// <summary>
    /// True when <paramref name="target"/> is an actor of a local actor system that has stopped; false for a running
    /// actor and for refs the runtime cannot see into (foreign refs, Nobody). Lets a remoting provider keep a cache of
    /// resolved recipients and drop stale entries.
    /// </summary>
    public static bool IsStoppedLocalActor(this IActorRef target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return ActorCell.AsCell(target)?.IsTerminated ?? false;
    }

    /// <summary>Sends keeping the current message's original sender (only meaningful inside a receive).</summary>
    public static void Forward(this IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, ActorCell.ImplicitCell?.Sender);
    }
}
