using ActorRec.Actors;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// The facade of one entity type's region on this node: messages go to the entity with the given id wherever its
/// shard lives (the region routes them to the owning node; the original sender is kept, so replies cross nodes).
/// </summary>
public sealed class ShardedRegion
{
    private readonly ShardResolver _resolver;
    private readonly Func<MessageSerializerRegistry?> _registry;

    internal ShardedRegion(string typeName, IActorRef region, ShardResolver resolver, Func<MessageSerializerRegistry?> registry)
    {
        TypeName = typeName;
        Ref = region;
        _resolver = resolver;
        _registry = registry;
    }

    public string TypeName { get; }

    /// <summary>The region actor on this node (<c>/system/sharding-TYPE</c>).</summary>
    public IActorRef Ref { get; }

    /// <summary>The shard of <paramref name="entityId"/> (stable across nodes and processes).</summary>
    public int ShardOf(string entityId) => _resolver.ShardOf(entityId);

    /// <summary>
    /// Sends <paramref name="message"/> to entity <paramref name="entityId"/> on the node that owns its shard.
    /// </summary>
    /// <exception cref="UnregisteredMessageTypeException">The message's type has no serializer in the node's registry
    /// (it may have to cross nodes).</exception>
    public void Tell(string entityId, object message, IActorRef? sender = null)
    {
        Check(entityId, message);
        Ref.Tell(new RegionEnvelope(entityId, message), sender);
    }

    /// <summary>
    /// Sends and waits for the entity's reply. Faults with <see cref="ShardUnavailableException"/> when the shard's
    /// buffer is full (retryable), with <see cref="AskTimeoutException"/> when no reply comes in time, and with the cause of
    /// a <see cref="Status.Failure"/> reply (a <see cref="RemoteFailureException"/> when it came from another node).
    /// </summary>
    public async Task<object> Ask(string entityId, object message, TimeSpan timeout)
    {
        Check(entityId, message);
        object reply;
        try
        {
            reply = await Ref.Ask(new RegionEnvelope(entityId, message), timeout).ConfigureAwait(false);
        }
        catch (RemoteFailureException e) when (e.RemoteType == typeof(ShardUnavailableException).FullName)
        {
            throw new ShardUnavailableException(e.Message);
        }

        // An ask for any type takes a failure as a reply: fault with its cause (as a typed ask would).
        if (reply is Status.Failure failure)
        {
            throw failure.Cause is RemoteFailureException r && r.RemoteType == typeof(ShardUnavailableException).FullName
                ? new ShardUnavailableException(r.Message)
                : failure.Cause;
        }

        return reply;
    }

    private void Check(string entityId, object message)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityId);
        ArgumentNullException.ThrowIfNull(message);
        if (_registry() is { } registry && registry.ManifestOf(message.GetType()) is null)
        {
            throw new UnregisteredMessageTypeException(
                $"A {message.GetType().FullName} sent to '{TypeName}' entity '{entityId}' may have to cross nodes, but the type has no serializer in the message registry; register it on every node.");
        }
    }
}
