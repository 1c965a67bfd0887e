using System.Diagnostics;
using ActorRec.Actors;

namespace ActorRec.Cluster.Remote;

/// <summary>Asks a node's <see cref="ClusterPingActor"/> (<c>/system/cluster-ping</c>) who it is.</summary>
public sealed record ClusterPing
{
    public static ClusterPing Instance { get; } = new();
}

/// <summary>The answer to <see cref="ClusterPing"/>: the answering node's name and incarnation.</summary>
public sealed record ClusterPong(string NodeName, long Incarnation);

/// <summary>Asks a singleton's actor (see <see cref="RemoteSingletonRefResolver"/>) which instance answers.</summary>
public sealed record SingletonIdentify
{
    public static SingletonIdentify Instance { get; } = new();
}

/// <summary>
/// The answer to <see cref="SingletonIdentify"/>: the singleton, the node that answered, and its fencing token on
/// that node (0 when the node does not hold the singleton now).
/// </summary>
public sealed record SingletonIdentity(string Name, string NodeName, long FencingToken);

/// <summary>What <see cref="RemoteActorRefProvider.PingAsync"/> measured: who answered and the round trip.</summary>
public sealed record PingResult(ClusterPong Pong, TimeSpan RoundTrip);

/// <summary>
/// One per node at <c>/system/cluster-ping</c> (started by <see cref="RemoteActorRefProvider.Attach"/>): answers
/// <see cref="ClusterPing"/> with this node's identity, so that any node can measure a remote ask's round trip to
/// any member (the admin API's <c>rttMs</c>).
/// </summary>
internal sealed class ClusterPingActor : ReceiveActor
{
    public ClusterPingActor(Func<ClusterPong> self)
    {
        Debug.Assert(self is not null, "the provider passes its identity");
        Receive<ClusterPing>(_ => Sender?.Tell(self(), Self));
    }
}
