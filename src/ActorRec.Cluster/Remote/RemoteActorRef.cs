using System.Diagnostics;
using ActorRec.Actors;

namespace ActorRec.Cluster.Remote;

/// <summary>
/// A reference to an actor on another cluster node, issued by <see cref="RemoteActorRefProvider"/>. Tell serializes
/// the message through the provider's registry and queues it on the transport for the node at
/// <see cref="Address"/>; Ask and Watch work as for local actors (see <see cref="IForeignActorRef"/>).
/// Two instances naming the same path are equal.
/// </summary>
[DebuggerDisplay("{PathString}")]
public sealed class RemoteActorRef : IForeignActorRef, IEquatable<RemoteActorRef>
{
    private readonly RemoteActorRefProvider _provider;

    internal RemoteActorRef(RemoteActorRefProvider provider, ActorPath path)
    {
        Debug.Assert(path.Address is not null, "a remote path names its node");
        _provider = provider;
        Path = path;
        Address = path.Address!;
        PathString = path.ToString();
        Elements = path.ToElementString();
    }

    public ActorPath Path { get; }

    /// <summary>The node's transport address ("host:port").</summary>
    public string Address { get; }

    /// <summary>The full path, e.g. <c>actorrec://sys@10.0.0.5:2552/user/a</c> (what goes on the wire as a sender).</summary>
    public string PathString { get; }

    /// <summary>The path below the root, e.g. <c>/user/a</c> (what goes on the wire as a recipient).</summary>
    public string Elements { get; }

    public ActorSystem System => _provider.System;

    /// <summary>
    /// Sends <paramref name="message"/> to the remote actor. Throws <see cref="UnregisteredMessageTypeException"/> when
    /// the message's type has no registered serializer; a message the transport cannot take (peer queue full, node
    /// down, transport stopped) goes to dead letters.
    /// </summary>
    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        _provider.Send(this, message, sender);
    }

    public void AddWatcher(IActorRef watcher) => _provider.AddWatcher(this, watcher);

    public void RemoveWatcher(IActorRef watcher) => _provider.RemoveWatcher(this, watcher);

    public bool Equals(RemoteActorRef? other) => other is not null && string.Equals(PathString, other.PathString, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is RemoteActorRef other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(PathString);

    public override string ToString() => PathString;
}

/// <summary>Thrown by a remote Tell (and failing an Ask) when the message type has no registered serializer.</summary>
public sealed class UnregisteredMessageTypeException(string message) : InvalidOperationException(message);
