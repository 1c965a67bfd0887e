using ActorRec.Persistence.Journal;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// What the entity host knows when it starts an entity: its shard's ownership epoch and fence key, which the entity's
/// PersistentActor uses as WriterEpoch / FenceKey so that a stale owner's writes are rejected by the journal.
/// </summary>
public sealed record EntityStart(string EntityId, int Shard, long Epoch, string FenceKey);

/// <summary>The allocation of one entity type with entity counts per shard.</summary>
public sealed record ShardMap(string TypeName, IReadOnlyList<ShardMapEntry> Shards);

/// <summary>One shard of a <see cref="ShardMap"/>. Status: "allocated" | "handing-off" | "unallocated".</summary>
public sealed record ShardMapEntry(int Shard, string? Node, long Epoch, string Status, int Entities);

/// <summary>Where an entity lives: its shard and the shard's owner (null and epoch 0 while unallocated).</summary>
public sealed record ShardLocation(string TypeName, string EntityId, int Shard, string? Node, long Epoch);

/// <summary>A handoff the coordinator began.</summary>
public sealed record ShardMove(string TypeName, int Shard, string From, string To);

/// <summary>
/// The message could not be taken: its shard's buffer was full while the shard's home was unknown or moving.
/// Retryable: the shard will have a home again shortly.
/// </summary>
public sealed class ShardUnavailableException(string message) : Exception(message);

/// <summary>
/// How an entity type's host runs its entities on this node: passivation (idle timeout and a cap on resident entities
/// with LRU eviction), recovery at a bounded rate, and the journal whose shard fence it raises before serving a shard
/// at a new epoch (null: no fencing, for tests and single-node use).
/// </summary>
public sealed record EntityHostSettings
{
    /// <summary>Idle time after which an entity is passivated; zero turns idle passivation off.</summary>
    public TimeSpan IdleTimeout { get; init; } = ShardingSettings.Default.IdleTimeout;

    /// <summary>Most entities of this type resident on the node; beyond it the least recently used are passivated.</summary>
    public int MaxResidentEntities { get; init; } = ShardingSettings.Default.MaxResidentEntities;

    /// <summary>Entity starts (journal recoveries) per second on this node.</summary>
    public double RecoveryEntitiesPerSecond { get; init; } = ShardingSettings.Default.RecoveryEntitiesPerSecond;

    /// <summary>Entity starts allowed at once before the rate applies.</summary>
    public int RecoveryBurst { get; init; } = ShardingSettings.Default.RecoveryBurst;

    /// <summary>The journal the entities write to: its fence for a shard's key is raised before the shard is served.</summary>
    public IJournal? Journal { get; init; }

    /// <summary>The host settings that <paramref name="settings"/> name, fencing through <paramref name="journal"/>.</summary>
    public static EntityHostSettings From(ShardingSettings settings, IJournal? journal)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new EntityHostSettings
        {
            IdleTimeout = settings.IdleTimeout,
            MaxResidentEntities = settings.MaxResidentEntities,
            RecoveryEntitiesPerSecond = settings.RecoveryEntitiesPerSecond,
            RecoveryBurst = settings.RecoveryBurst,
            Journal = journal,
        };
    }

    internal EntityHostSettings Validate()
    {
        if (IdleTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException($"EntityHostSettings.IdleTimeout must not be negative (got {IdleTimeout}).", nameof(IdleTimeout));
        }

        if (MaxResidentEntities < 1)
        {
            throw new ArgumentException($"EntityHostSettings.MaxResidentEntities must be at least 1 (got {MaxResidentEntities}).", nameof(MaxResidentEntities));
        }

        if (!(RecoveryEntitiesPerSecond > 0) || !double.IsFinite(RecoveryEntitiesPerSecond))
        {
            throw new ArgumentException($"EntityHostSettings.RecoveryEntitiesPerSecond must be a positive number (got {RecoveryEntitiesPerSecond}).", nameof(RecoveryEntitiesPerSecond));
        }

        if (RecoveryBurst < 1)
        {
            throw new ArgumentException($"EntityHostSettings.RecoveryBurst must be at least 1 (got {RecoveryBurst}).", nameof(RecoveryBurst));
        }

        return this;
    }
}
