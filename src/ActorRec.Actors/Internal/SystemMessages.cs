namespace ActorRec.Actors.Internal;

/// <summary>Runtime-to-cell messages; processed before user messages and never bounded.</summary>
internal abstract class SystemMessage
{
    public SystemMessage? Next;
}

/// <summary>Stop now (children first, then PostStop); pending user messages go to dead letters.</summary>
internal sealed class TerminateMessage : SystemMessage;

internal sealed class WatchMessage(ActorCell watcher) : SystemMessage
{
    public ActorCell Watcher { get; } = watcher;
}

internal sealed class UnwatchMessage(ActorCell watcher) : SystemMessage
{
    public ActorCell Watcher { get; } = watcher;
}

/// <summary>Sent by a stopped cell to its watchers and its parent.</summary>
internal sealed class DeathWatchNotification(ActorCell actor) : SystemMessage
{
    public ActorCell Actor { get; } = actor;
}

/// <summary>A remoting provider reports that a watched foreign actor is gone.</summary>
internal sealed class ForeignDeathNotification(IForeignActorRef actor) : SystemMessage
{
    public IForeignActorRef Actor { get; } = actor;
}

/// <summary>A child failed and is suspended until the parent answers with Resume, Recreate or Terminate.</summary>
internal sealed class FailedMessage(ActorCell child, Exception cause) : SystemMessage
{
    public ActorCell Child { get; } = child;

    public Exception Cause { get; } = cause;
}

internal sealed class ResumeMessage : SystemMessage;

/// <summary>Restart with a new actor instance; may be delayed by the supervisor's back-off timer.</summary>
internal sealed class RecreateMessage(ActorCell target, Exception cause) : SystemMessage
{
    public ActorCell Target { get; } = target;

    public Exception Cause { get; } = cause;

    public ITimer? Timer { get; set; }
}

/// <summary>Runtime-internal user messages: handled by the cell, never counted as dead letters.</summary>
internal abstract class InternalMessage : AutoReceivedMessage;

/// <summary>Stop after the messages already in the mailbox; children stop the same way first (shutdown drain).</summary>
internal sealed class GracefulStop : InternalMessage
{
    public static readonly GracefulStop Instance = new();
}

/// <summary>Carries a death-watch notification through the user mailbox so that it is ordered after earlier messages.</summary>
internal sealed class TerminatedEnvelope(ActorCell actor) : InternalMessage
{
    public ActorCell Actor { get; } = actor;
}

/// <summary>The foreign counterpart of <see cref="TerminatedEnvelope"/>.</summary>
internal sealed class ForeignTerminatedEnvelope(IForeignActorRef actor) : InternalMessage
{
    public IForeignActorRef Actor { get; } = actor;
}

internal sealed class ReceiveTimeoutTick : InternalMessage;
