using ActorRec.Actors;
using ActorRec.Cluster.Singleton;

namespace ActorRec.Cluster.Remote;

/// <summary>
/// Turns a <see cref="SingletonLocation"/> into an actor reference through the node's
/// <see cref="RemoteActorRefProvider"/>: a singleton that is reachable as an actor runs one at
/// <see cref="ElementsOf"/> (<c>/system/singleton-NAME</c>) on every node that may hold it, so the reference is the
/// local actor when the holder is this node and a <see cref="RemoteActorRef"/> otherwise. A location is valid for one
/// tenure: ask the proxy again when an ask times out or the holder leaves.
/// </summary>
public sealed class RemoteSingletonRefResolver : ISingletonRefResolver
{
    private readonly RemoteActorRefProvider _provider;

    public RemoteSingletonRefResolver(RemoteActorRefProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        _provider = provider;
    }

    /// <summary>The element path of the actor of the singleton <paramref name="singletonName"/>.</summary>
    public static string ElementsOf(string singletonName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(singletonName);
        return "/system/singleton-" + singletonName;
    }

    public IActorRef Resolve(SingletonLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return _provider.RefFor(location.Address, ElementsOf(location.Name));
    }
}

/// <summary>
/// Answers <see cref="SingletonIdentify"/> for one singleton on one node with the node's current fencing token for it
/// (0 while the node does not hold it), so that a caller can check that the ref a resolver gave reached the holder.
/// </summary>
internal sealed class SingletonIdentityActor : ReceiveActor
{
    public SingletonIdentityActor(string name, string nodeName, Func<long> fencingToken) =>
        Receive<SingletonIdentify>(_ => Sender?.Tell(new SingletonIdentity(name, nodeName, fencingToken()), Self));

    /// <summary>Starts the identity actor of <paramref name="name"/> at <see cref="RemoteSingletonRefResolver.ElementsOf"/>.</summary>
    public static IActorRef Start(ActorSystem system, string name, string nodeName, Func<long> fencingToken) =>
        system.SystemActorOf(
            Props.Create(() => new SingletonIdentityActor(name, nodeName, fencingToken)),
            RemoteSingletonRefResolver.ElementsOf(name)["/system/".Length..]);
}
