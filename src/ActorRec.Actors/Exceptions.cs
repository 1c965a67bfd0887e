namespace ActorRec.Actors;

/// <summary>An actor name is not valid or already taken among its siblings.</summary>
public sealed class InvalidActorNameException(string message) : Exception(message);

/// <summary>The actor's constructor or PreStart failed; the default supervisor stops such an actor.</summary>
public sealed class ActorInitializationException(string message, Exception? inner) : Exception(message, inner);

/// <summary>Thrown in an actor that received <see cref="Kill"/>; the default supervisor stops it.</summary>
public sealed class ActorKilledException(string message) : Exception(message);

/// <summary>An ask was not answered within its timeout.</summary>
public class AskTimeoutException(string message) : TimeoutException(message);

/// <summary>An ask went to an actor that is already stopped (its request ended in dead letters).</summary>
public sealed class RecipientTerminatedException(string message) : AskTimeoutException(message);

/// <summary>An ask got a reply of another type than the one asked for.</summary>
public sealed class AskReplyTypeException(string message) : InvalidCastException(message);

/// <summary>A bounded mailbox with <see cref="OverflowPolicy.FailSender"/> is full.</summary>
public sealed class MailboxFullException(string message) : InvalidOperationException(message);

/// <summary>A setting is missing or out of range; the message names the key.</summary>
public sealed class ActorSettingsException(string key, string message) : ArgumentException($"{key}: {message}", key)
{
    /// <summary>The HOCON key that is wrong (e.g. <c>actorrec.actors.throughput</c>).</summary>
    public string Key { get; } = key;
}

/// <summary>The actor system is terminating or terminated and does not accept new actors.</summary>
public sealed class ActorSystemTerminatingException(string message) : InvalidOperationException(message);
