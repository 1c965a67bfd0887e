namespace ActorRec.Actors;

/// <summary>
/// An immutable recipe for an actor: how to construct it (again on restart) and which mailbox it gets.
/// </summary>
public sealed class Props
{
    private readonly Func<ActorBase> _factory;

    private Props(Type actorType, Func<ActorBase> factory, MailboxSpec? mailbox, bool releasesIdleMailbox = false)
    {
        ActorType = actorType;
        _factory = factory;
        Mailbox = mailbox;
        ReleasesIdleMailbox = releasesIdleMailbox;
    }

    /// <summary>The actor class.</summary>
    public Type ActorType { get; }

    /// <summary>The mailbox; null means the system's default mailbox.</summary>
    public MailboxSpec? Mailbox { get; }

    /// <summary>
    /// Whether the actor's mailbox gives its queue memory back whenever a turn ends with nothing queued: less memory
    /// for many mostly idle actors (sharded entities), one small allocation per burst of messages.
    /// </summary>
    public bool ReleasesIdleMailbox { get; }

    /// <summary>Props for an actor with a parameterless constructor.</summary>
    public static Props Create<T>()
        where T : ActorBase, new() => new(typeof(T), Factory<T>.New, null);

    /// <summary>Props from a factory; it is called again on every restart, so it must return a new instance each time.</summary>
    public static Props Create<T>(Func<T> factory)
        where T : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(typeof(T), factory, null);
    }

    /// <summary>The same props with another mailbox.</summary>
    public Props WithMailbox(MailboxSpec mailbox)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        return new Props(ActorType, _factory, mailbox, ReleasesIdleMailbox);
    }

    /// <summary>The same props with a mailbox that is released while the actor is idle (see <see cref="ReleasesIdleMailbox"/>).</summary>
    public Props WithIdleMailboxRelease() => new(ActorType, _factory, Mailbox, releasesIdleMailbox: true);

    internal ActorBase NewActor() => _factory() ?? throw new InvalidOperationException($"The factory of Props for {ActorType.Name} returned null.");

    public override string ToString() => $"Props({ActorType.Name}, mailbox={Mailbox?.ToString() ?? "default"})";

    private static class Factory<T>
        where T : ActorBase, new()
    {
        public static readonly Func<ActorBase> New = static () => new T();
    }
}

/// <summary>What a bounded mailbox does with a message that does not fit.</summary>
public enum OverflowPolicy
{
    /// <summary>The new message is dropped to dead letters (counted and logged); the sender is not told.</summary>
    DropNewest,

    /// <summary>Tell throws <see cref="MailboxFullException"/> in the sender (an Ask fails with it).</summary>
    FailSender,
}

/// <summary>
/// Mailbox choice. Unbounded: a lock-free MPSC queue, Tell never blocks or fails. Bounded: the same queue with an
/// atomic count; when <see cref="Capacity"/> user messages are waiting, <see cref="Overflow"/> decides. System
/// messages (watch, stop, supervision) are never bounded.
/// </summary>
public sealed record MailboxSpec
{
    private MailboxSpec(int capacity, OverflowPolicy overflow)
    {
        Capacity = capacity;
        Overflow = overflow;
    }

    /// <summary>0 for unbounded.</summary>
    public int Capacity { get; }

    /// <summary>Only meaningful when bounded.</summary>
    public OverflowPolicy Overflow { get; }

    public bool IsBounded => Capacity > 0;

    public static MailboxSpec Unbounded { get; } = new(0, OverflowPolicy.DropNewest);

    public static MailboxSpec Bounded(int capacity, OverflowPolicy overflow = OverflowPolicy.DropNewest)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (!Enum.IsDefined(overflow))
        {
            throw new ArgumentOutOfRangeException(nameof(overflow), overflow, "Unknown overflow policy.");
        }
        return new MailboxSpec(capacity, overflow);
    }

    public override string ToString() => IsBounded ? $"bounded({Capacity}, {Overflow})" : "unbounded";
}
