namespace ActorRec.Actors;

/// <summary>
/// Typed settings of the actor runtime (HOCON section <c>actorrec.actors</c>, see the embedded reference.conf).
/// Build with <see cref="Create"/>, which validates every value and names the bad key.
/// </summary>
public sealed record ActorSystemSettings
{
    public const string Section = "actorrec.actors";

    private ActorSystemSettings()
    {
    }

    /// <summary>
    /// Messages an actor processes per batch on a pool thread; after a batch it yields when other work waits in the
    /// pool, otherwise it continues (at most 16 batches per turn) (actorrec.actors.throughput).
    /// </summary>
    public int Throughput { get; private init; } = 30;

    /// <summary>Mailbox of actors whose Props name none (actorrec.actors.default-mailbox.*).</summary>
    public MailboxSpec DefaultMailbox { get; private init; } = MailboxSpec.Unbounded;

    /// <summary>Dead-letter log lines per second at most; 0 turns the log off (actorrec.actors.dead-letter-log-rate).</summary>
    public int DeadLetterLogRate { get; private init; } = 10;

    /// <summary>Timeout of an Ask that names none (actorrec.actors.ask-timeout).</summary>
    public TimeSpan AskTimeout { get; private init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long graceful shutdown waits for actors to drain before stopping them (actorrec.actors.shutdown-timeout).</summary>
    public TimeSpan ShutdownTimeout { get; private init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether an actor woken by a message from a pool thread is queued on that thread's local queue (runs soon on the
    /// same core, others may steal it) rather than the global queue (actorrec.actors.prefer-local-queue). An actor
    /// that used up its throughput always goes to the global queue.
    /// </summary>
    public bool PreferLocalQueue { get; private init; } = true;

    /// <summary>The defaults of reference.conf.</summary>
    public static ActorSystemSettings Default { get; } = new();

    /// <summary>Validated settings; an out-of-range value throws <see cref="ActorSettingsException"/> naming its key.</summary>
    public static ActorSystemSettings Create(
        int throughput = 30,
        string defaultMailboxType = "unbounded",
        int defaultMailboxCapacity = 1000,
        string defaultMailboxOverflow = "drop-newest",
        int deadLetterLogRate = 10,
        TimeSpan? askTimeout = null,
        TimeSpan? shutdownTimeout = null,
        bool preferLocalQueue = true)
    {
        if (throughput < 1 || throughput > 100_000)
        {
            throw new ActorSettingsException(Section + ".throughput", $"must be between 1 and 100000, was {throughput}.");
        }
        MailboxSpec mailbox;
        switch (defaultMailboxType)
        {
            case "unbounded":
                mailbox = MailboxSpec.Unbounded;
                break;
            case "bounded":
                if (defaultMailboxCapacity < 1)
                {
                    throw new ActorSettingsException(Section + ".default-mailbox.capacity", $"must be at least 1, was {defaultMailboxCapacity}.");
                }
                var overflow = defaultMailboxOverflow switch
                {
                    "drop-newest" => OverflowPolicy.DropNewest,
                    "fail-sender" => OverflowPolicy.FailSender,
                    _ => throw new ActorSettingsException(Section + ".default-mailbox.overflow", $"must be 'drop-newest' or 'fail-sender', was '{defaultMailboxOverflow}'."),
                };
                mailbox = MailboxSpec.Bounded(defaultMailboxCapacity, overflow);
                break;
            default:
                throw new ActorSettingsException(Section + ".default-mailbox.type", $"must be 'unbounded' or 'bounded', was '{defaultMailboxType}'.");
        }
        if (deadLetterLogRate < 0)
        {
            throw new ActorSettingsException(Section + ".dead-letter-log-rate", $"must be 0 or more, was {deadLetterLogRate}.");
        }
        var ask = askTimeout ?? TimeSpan.FromSeconds(10);
        if (ask <= TimeSpan.Zero && ask != Timeout.InfiniteTimeSpan)
        {
            throw new ActorSettingsException(Section + ".ask-timeout", $"must be positive, was {ask}.");
        }
        var shutdown = shutdownTimeout ?? TimeSpan.FromSeconds(10);
        if (shutdown < TimeSpan.Zero)
        {
            throw new ActorSettingsException(Section + ".shutdown-timeout", $"must not be negative, was {shutdown}.");
        }
        return new ActorSystemSettings
        {
            Throughput = throughput,
            DefaultMailbox = mailbox,
            DeadLetterLogRate = deadLetterLogRate,
            AskTimeout = ask,
            ShutdownTimeout = shutdown,
            PreferLocalQueue = preferLocalQueue,
        };
    }
}
