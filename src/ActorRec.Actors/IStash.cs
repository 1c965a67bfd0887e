namespace ActorRec.Actors;

/// <summary>
/// Messages put aside while the actor is not ready for them. <see cref="UnstashAll()"/> puts them back in their original
/// order ahead of every message still in the mailbox.
/// </summary>
public interface IStash
{
    /// <summary>Stashes the message being processed (with its sender). Stashing the same message twice throws.</summary>
    void Stash();

    /// <summary>Returns the oldest stashed message to the front of the mailbox.</summary>
    void Unstash();

    /// <summary>Returns all stashed messages, oldest first, ahead of the mailbox.</summary>
    void UnstashAll();

    /// <summary>Returns the stashed messages that match, oldest first, ahead of the mailbox; drops none.</summary>
    void UnstashAll(Func<Envelope, bool> predicate);

    /// <summary>Removes and returns all stashed messages without delivering them.</summary>
    IReadOnlyList<Envelope> ClearStash();

    int Count { get; }
}
