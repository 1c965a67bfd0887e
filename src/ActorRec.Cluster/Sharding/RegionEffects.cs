using ActorRec.Actors;

namespace ActorRec.Cluster.Sharding;

/// <summary>A message for one entity, as a region routes it (the original sender is kept so asks are answered directly).</summary>
public readonly record struct RoutedMessage(string EntityId, object Message, IActorRef? Sender);

/// <summary>Where a region's shard stands, as the region sees it.</summary>
public enum ShardPhase
{
    /// <summary>Never used here: the first message asks the coordinator.</summary>
    Unknown,

    /// <summary>Waiting for the coordinator to say where the shard lives (also: in handoff elsewhere); messages buffered.</summary>
    Resolving,

    /// <summary>Served here: messages go to local entities.</summary>
    Local,

    /// <summary>Served by another node: messages are forwarded there.</summary>
    Remote,

    /// <summary>Handing off from here: entities are stopping; messages buffered for the new owner.</summary>
    Stopping,

    /// <summary>Taken over from a live owner: waiting for the messages it buffered, which go first.</summary>
    AwaitingHandover,
}

/// <summary>
/// What a <see cref="RegionShardRouter"/> asks its host to do. The host is the region actor: it owns the entities, the
/// coordinator client and the remote links. The link to each peer must be FIFO (the cluster transport is: one
/// connection per node pair); the handoff's ordering guarantee rests on it.
/// </summary>
public interface IRegionEffects
{
    /// <summary>Deliver to local entity <c>message.EntityId</c> of <paramref name="shard"/>, starting it if needed.</summary>
    void DeliverLocal(int shard, long epoch, in RoutedMessage message);

    /// <summary>Send to the region of <paramref name="node"/> (which routes it again on arrival).</summary>
    void Forward(string node, int shard, in RoutedMessage message);

    /// <summary>Ask the coordinator where <paramref name="shard"/> lives; the answer comes back as <see cref="RegionShardRouter.OnHome"/>.</summary>
    void RequestHome(int shard);

    /// <summary>Passivate every entity of <paramref name="shard"/> (finish, persist, snapshot, stop); answer with
    /// <see cref="RegionShardRouter.OnEntitiesStopped"/>.</summary>
    void StopEntities(int shard);

    /// <summary>Tell the old owner <paramref name="owner"/>, over the same link as forwarded messages, that this region
    /// sends nothing more for <paramref name="shard"/> (it arrives after everything this region forwarded before).</summary>
    void SendBarrier(string owner, int shard, long epoch);

    /// <summary>Tell the coordinator the shard is released at <paramref name="epoch"/> (it completes the handoff).</summary>
    void Released(int shard, long epoch);

    /// <summary>Send the messages buffered here during the handoff to the new owner, before anything else for the shard.</summary>
    void Handover(string newOwner, int shard, long epoch, IReadOnlyList<RoutedMessage> messages);

    /// <summary>The shard's buffer is full: the message is refused (reply ShardUnavailable to its sender).</summary>
    void Refused(int shard, in RoutedMessage message);
}
