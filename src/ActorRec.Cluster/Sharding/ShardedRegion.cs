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
    private readonly ShardOwners _owners;

    internal ShardedRegion(string typeName, IActorRef region, ShardResolver resolver, Func<MessageSerializerRegistry?> registry, ShardOwners owners)
    {
        TypeName = typeName;
        Ref = region;
        _resolver = resolver;
        _registry = registry;
        _owners = owners;
    }

    public string TypeName { get; }

    /// <summary>The region actor on this node (<c>/system/sharding-TYPE</c>).</summary>
    public IActorRef Ref { get; }

    /// <summary>The shard of <paramref name="entityId"/> (stable across nodes and processes).</summary>
    public int ShardOf(string entityId) => _resolver.ShardOf(entityId);

    /// <summary>
    /// The node this node's region sends <paramref name="shard"/>'s messages to now (this node's name when it serves
    /// the shard), or null while the shard's home is unknown or moving. A hint, read without locking: the region may
    /// learn of a move at any moment, and messages still go through it (<see cref="Tell"/>, <see cref="Ask"/>).
    /// Callers use it to bundle messages per node and to tell which node a pending ask waits on.
    /// </summary>
    public string? OwnerOf(int shard) => _owners.Get(shard);

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

/// <summary>
/// Where a region routes each shard, published by the region actor after every change of a shard's phase and read
/// without locks by <see cref="ShardedRegion.OwnerOf"/>: the owner while the shard is served here or forwarded, null
/// while its home is unknown or moving.
/// </summary>
internal sealed class ShardOwners(int shards)
{
    private readonly string?[] _owners = new string?[shards];

    public int Count => _owners.Length;

    public string? Get(int shard) => (uint)shard < (uint)_owners.Length ? Volatile.Read(ref _owners[shard]) : null;

    public void Set(int shard, string? owner) => Volatile.Write(ref _owners[shard], owner);
}
