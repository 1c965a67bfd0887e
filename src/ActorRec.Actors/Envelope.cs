using System.Diagnostics;

namespace ActorRec.Actors;

/// <summary>A (message, sender) pair as kept in a stash.</summary>
[DebuggerDisplay("{Message} from {Sender}")]
public readonly record struct Envelope(object Message, IActorRef? Sender);
