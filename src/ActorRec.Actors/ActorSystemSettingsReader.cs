using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Actors;

/// <summary>
/// Builds <see cref="ActorSystemSettings"/> from the resolved config, once at start-up: reads every key of the
/// <c>actorrec.actors</c> section of the embedded <c>reference.conf</c>, refuses keys it does not know, and
/// reports a bad value as a <see cref="SettingsException"/> naming the full key path.
/// </summary>
public static class ActorSystemSettingsReader
{
    private const string Infinite = "infinite";

    /// <summary>The keys of the section (relative to <see cref="ActorSystemSettings.Section"/>), as in reference.conf.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "throughput", "default-mailbox.type", "default-mailbox.capacity", "default-mailbox.overflow",
        "dead-letter-log-rate", "ask-timeout", "shutdown-timeout", "prefer-local-queue",
    ];

    /// <summary>Reads the <c>actorrec.actors</c> section of a resolved root config.</summary>
    /// <exception cref="SettingsException">A key is missing, unknown, of the wrong type or out of range.</exception>
    public static ActorSystemSettings Read(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetSection(ActorSystemSettings.Section);
        section.RejectUnknownKeys(Keys);
        var throughput = section.GetPositiveInt("throughput");
        var mailboxType = section.GetRequiredString("default-mailbox.type");
        var mailboxCapacity = section.GetPositiveInt("default-mailbox.capacity");
        var mailboxOverflow = section.GetRequiredString("default-mailbox.overflow");
        var deadLetterLogRate = section.GetNonNegativeInt("dead-letter-log-rate");
        var askTimeout = string.Equals(section.GetOptionalString("ask-timeout"), Infinite, StringComparison.OrdinalIgnoreCase)
            ? Timeout.InfiniteTimeSpan
            : section.GetPositiveDuration("ask-timeout");
        var shutdownTimeout = section.GetNonNegativeDuration("shutdown-timeout");
        var preferLocalQueue = section.GetFlag("prefer-local-queue");

        // Create checks the upper bound of throughput and the mailbox names; its exception carries the full key.
        return section.Build(
            () => ActorSystemSettings.Create(
                throughput, mailboxType, mailboxCapacity, mailboxOverflow, deadLetterLogRate, askTimeout, shutdownTimeout, preferLocalQueue),
            e => e.ParamName is { } key && key.StartsWith(ActorSystemSettings.Section + ".", StringComparison.Ordinal)
                ? key[(ActorSystemSettings.Section.Length + 1)..]
                : null);
    }
}
