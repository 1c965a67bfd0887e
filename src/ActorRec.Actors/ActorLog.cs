using Microsoft.Extensions.Logging;

namespace ActorRec.Actors;

/// <summary>Source-generated log messages of the actor runtime (event ids 1000-1099).</summary>
internal static partial class ActorLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Actor {Path} failed while processing {MessageType}")]
    public static partial void ActorFailed(ILogger logger, Exception exception, ActorPath path, string messageType);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Dead letter: {MessageType} from {Sender} to {Recipient} ({Count} dead letters so far)")]
    public static partial void DeadLetter(ILogger logger, string messageType, string sender, string recipient, long count);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "{Suppressed} dead letters were not logged (more than {Rate} per second); {Count} so far")]
    public static partial void DeadLettersSuppressed(ILogger logger, long suppressed, int rate, long count);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Unhandled message {MessageType} in {Path}")]
    public static partial void Unhandled(ILogger logger, string messageType, ActorPath path);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Child {Path} exceeded its restart limit ({MaxRetries} in the window); stopping it")]
    public static partial void RestartLimitReached(ILogger logger, ActorPath path, int maxRetries);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "{Hook} of {Path} threw")]
    public static partial void HookFailed(ILogger logger, Exception exception, string hook, ActorPath path);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "Top-level actor {Path} escalated a failure to the guardian; stopping it")]
    public static partial void EscalatedToGuardian(ILogger logger, Exception exception, ActorPath path);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Actor system {System}: shutdown phase {Phase}")]
    public static partial void ShutdownPhase(ILogger logger, string system, string phase);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Actor system {System}: actors did not drain within {Timeout}; stopping the rest")]
    public static partial void ShutdownDrainTimedOut(ILogger logger, string system, TimeSpan timeout);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Error, Message = "Actor system {System}: actors under {Path} did not stop (stuck in an async handler?); shutdown continues without them")]
    public static partial void ShutdownAbandoned(ILogger logger, string system, ActorPath path);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Actor system {System} terminated ({DeadLetters} dead letters in total)")]
    public static partial void Terminated(ILogger logger, string system, long deadLetters);
}
