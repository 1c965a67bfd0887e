using ActorRec.Actors;

namespace ActorRec.Recommender.Entities;

/// <summary>
/// The one way domain code reaches a user or video actor: by entity id, never by actor reference. On one node
/// <see cref="LocalShardRegion"/> creates entities on demand as children; the cluster module provides an
/// implementation that routes the same calls to the node owning the entity's shard, so no domain code changes.
/// </summary>
public interface IShardRegion
{
    /// <summary>The entity kind ("user", "video"); also the persistence-id prefix (<c>user/ID</c>).</summary>
    string TypeName { get; }

    /// <summary>Sends <paramref name="message"/> to entity <paramref name="entityId"/>, starting it if needed.</summary>
    void Tell(string entityId, object message, IActorRef? sender = null);

    /// <summary>Sends and waits for the entity's reply (of any type; callers match on it).</summary>
    Task<object> Ask(string entityId, object message, TimeSpan timeout);

    /// <summary>
    /// Sends <c>messages[i]</c> to entity <c>entityIds[i]</c> for every i and waits for every reply (returned in the
    /// same order). Faults with the first failure. By default one <see cref="Ask"/> per entity, all at once; a cluster
    /// region bundles the messages per owning node (one message per node, each entity still handling its own).
    /// </summary>
    Task<object[]> AskAll(IReadOnlyList<string> entityIds, IReadOnlyList<object> messages, TimeSpan timeout) =>
        ShardRegions.AskEach(this, entityIds, messages, timeout);
}

/// <summary>Helpers shared by <see cref="IShardRegion"/> implementations.</summary>
public static class ShardRegions
{
    /// <summary>One <see cref="IShardRegion.Ask"/> per entity, all started before any is awaited; replies in order.</summary>
    public static async Task<object[]> AskEach(IShardRegion region, IReadOnlyList<string> entityIds, IReadOnlyList<object> messages, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(region);
        ArgumentNullException.ThrowIfNull(entityIds);
        ArgumentNullException.ThrowIfNull(messages);
        if (entityIds.Count != messages.Count)
        {
            throw new ArgumentException($"{entityIds.Count} entity ids but {messages.Count} messages", nameof(messages));
        }

        var asks = new Task<object>[entityIds.Count];
        for (var i = 0; i < asks.Length; i++)
        {
            asks[i] = region.Ask(entityIds[i], messages[i], timeout);
        }

        // One continuation when the last reply arrives (awaiting each in turn could resume once per reply). A failure
        // surfaces as the first faulted ask in entity order (Task.WhenAll gathers them in array order).
        return await Task.WhenAll(asks).ConfigureAwait(false);
    }
}

/// <summary>Props of the entity <paramref name="entityId"/> whose journal writes carry <paramref name="writerEpoch"/>, checked under <paramref name="fenceKey"/>.</summary>
public delegate Props EntityProps(string entityId, long writerEpoch, string? fenceKey);

/// <summary>
/// Starts the regions of a <see cref="FeedEngine"/>: <see cref="LocalRegions"/> on one node; the cluster's factory
/// starts sharded regions that route to the owning node and pass each shard's epoch and fence key to its entities.
/// </summary>
public interface IEntityRegionFactory
{
    IShardRegion Start(string typeName, EntityProps props);
}

/// <summary>The single-node factory: a <see cref="LocalShardRegion"/> per type, entities without fencing.</summary>
public sealed class LocalRegions(ActorSystem system, TimeSpan passivateAfter) : IEntityRegionFactory
{
    public IShardRegion Start(string typeName, EntityProps props)
    {
        ArgumentNullException.ThrowIfNull(props);
        return new LocalShardRegion(system, typeName, id => props(id, 0, null), passivateAfter);
    }
}

/// <summary>A message for one entity of a region.</summary>
public sealed record ShardEnvelope(string EntityId, object Message);

/// <summary>Asks a region how many entities it holds now. Reply: <see cref="RegionStats"/>.</summary>
public sealed class GetRegionStats
{
    private GetRegionStats()
    {
    }

    public static GetRegionStats Instance { get; } = new();
}

/// <summary>Reply to <see cref="GetRegionStats"/>: live entities, and how many have been passivated since start.</summary>
public sealed record RegionStats(int Entities, long Passivated);

/// <summary>The single-node region: a <see cref="ShardRegionActor"/> under the system's user guardian.</summary>
public sealed class LocalShardRegion : IShardRegion
{
    private readonly IActorRef _region;

    /// <param name="system">The node's actor system.</param>
    /// <param name="typeName">Entity kind, e.g. "user"; names the region actor.</param>
    /// <param name="entityProps">Props of the entity with the given id.</param>
    /// <param name="passivateAfter">Idle time after which an entity is passivated; zero disables passivation.</param>
    public LocalShardRegion(ActorSystem system, string typeName, Func<string, Props> entityProps, TimeSpan passivateAfter)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        ArgumentNullException.ThrowIfNull(entityProps);
        TypeName = typeName;
        _region = system.ActorOf(Props.Create(() => new ShardRegionActor(entityProps, passivateAfter)), typeName);
    }

    public string TypeName { get; }

    /// <summary>The region actor (for stats and tests).</summary>
    public IActorRef Ref => _region;

    public void Tell(string entityId, object message, IActorRef? sender = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityId);
        ArgumentNullException.ThrowIfNull(message);
        _region.Tell(new ShardEnvelope(entityId, message), sender);
    }

    public Task<object> Ask(string entityId, object message, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityId);
        ArgumentNullException.ThrowIfNull(message);
        return _region.Ask(new ShardEnvelope(entityId, message), timeout);
    }

    /// <summary>
    /// Every message in one batched ask of the region actor (one task, one timer, a small reply slot per entity,
    /// instead of an ask per entity): same replies, order and failures as <see cref="ShardRegions.AskEach"/>.
    /// </summary>
    public Task<object[]> AskAll(IReadOnlyList<string> entityIds, IReadOnlyList<object> messages, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(entityIds);
        ArgumentNullException.ThrowIfNull(messages);
        if (entityIds.Count != messages.Count)
        {
            throw new ArgumentException($"{entityIds.Count} entity ids but {messages.Count} messages", nameof(messages));
        }

        var envelopes = new object[entityIds.Count];
        for (var i = 0; i < envelopes.Length; i++)
        {
            ArgumentException.ThrowIfNullOrEmpty(entityIds[i]);
            envelopes[i] = new ShardEnvelope(entityIds[i], messages[i] ?? throw new ArgumentException($"messages[{i}] is null", nameof(messages)));
        }

        return _region.AskMany(envelopes, timeout);
    }
}
