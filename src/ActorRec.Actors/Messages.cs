namespace ActorRec.Actors;

/// <summary>Messages the runtime handles itself instead of passing them to the actor's receive.</summary>
public abstract class AutoReceivedMessage
{
    private protected AutoReceivedMessage()
    {
    }
}

/// <summary>Stops the actor after the messages before it in the mailbox were processed.</summary>
public sealed class PoisonPill : AutoReceivedMessage
{
    private PoisonPill()
    {
    }

    public static PoisonPill Instance { get; } = new();

    public override string ToString() => "PoisonPill";
}

/// <summary>Makes the actor fail with <see cref="ActorKilledException"/>; its supervisor decides (default: stop).</summary>
public sealed class Kill : AutoReceivedMessage
{
    private Kill()
    {
    }

    public static Kill Instance { get; } = new();

    public override string ToString() => "Kill";
}

/// <summary>Marker: receiving this message does not reset the receive timeout.</summary>
public interface INotInfluenceReceiveTimeout;

/// <summary>Delivered once for every watched actor when it stops (see IActorContext.Watch).</summary>
public sealed record Terminated(IActorRef ActorRef);

/// <summary>Delivered when no message arrived within the receive timeout (IActorContext.SetReceiveTimeout).</summary>
public sealed class ReceiveTimeout : INotInfluenceReceiveTimeout
{
    private ReceiveTimeout()
    {
    }

    public static ReceiveTimeout Instance { get; } = new();

    public override string ToString() => "ReceiveTimeout";
}

/// <summary>Replies that carry a result or a failure (an Ask completes with the failure's exception).</summary>
public static class Status
{
    public sealed record Success(object? Value);

    public sealed record Failure(Exception Cause);
}

/// <summary>Published on the event stream for every message that could not be delivered.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>Published on the event stream when an actor did not handle a message.</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>Every actor answers with <see cref="ActorIdentity"/> (handled by the runtime, not by the actor).</summary>
public sealed class Identify(object? messageId) : AutoReceivedMessage
{
    public object? MessageId { get; } = messageId;

    public override string ToString() => $"Identify({MessageId})";
}

/// <summary>The answer to <see cref="Identify"/>.</summary>
public sealed record ActorIdentity(object? MessageId, IActorRef Subject);
