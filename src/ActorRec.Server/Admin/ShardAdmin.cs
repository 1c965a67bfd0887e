using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Server.Admin;

/// <summary>
/// What the shard admin API (<see cref="ShardAdminEndpoints"/>) asks of the node's sharding runtime. The cluster
/// serve path implements it over <c>ClusterSharding</c>; a node without a cluster has none, and the endpoints answer
/// 409. Arguments reaching it are already checked (known type, shard in range); an unknown node is reported by the
/// runtime with an <see cref="ArgumentException"/>.
/// </summary>
public interface IShardAdmin
{
    /// <summary>The entity types with a region on this node ("user", "video"), in a stable order.</summary>
    IReadOnlyList<string> TypeNames { get; }

    /// <summary>Shards per type (shard ids run from 0 to this minus one).</summary>
    int ShardCount { get; }

    /// <summary>The shard map of <paramref name="typeName"/> with entity counts per shard.</summary>
    Task<IReadOnlyList<ShardView>> GetShardsAsync(string typeName, CancellationToken cancellationToken);

    /// <summary>Where entity <paramref name="entityId"/> of <paramref name="typeName"/> lives now.</summary>
    Task<ShardLocationView> LocateAsync(string typeName, string entityId, CancellationToken cancellationToken);

    /// <summary>Runs the rebalancing rule once for <paramref name="typeName"/>; the moves it started.</summary>
    Task<IReadOnlyList<ShardMoveView>> RebalanceAsync(string typeName, CancellationToken cancellationToken);

    /// <summary>Moves one shard to <paramref name="node"/>; completes when the move is started.</summary>
    Task<ShardMoveView> MoveAsync(string typeName, int shard, string node, CancellationToken cancellationToken);

    /// <summary>Hands off every shard of every type owned by <paramref name="node"/>; completes when it owns none.</summary>
    Task DrainAsync(string node, CancellationToken cancellationToken);

    /// <summary>Asks <paramref name="node"/> to leave the cluster gracefully (after a drain); false when no live member has that name.</summary>
    Task<bool> RequestLeaveAsync(string node, CancellationToken cancellationToken);
}

/// <summary>One shard of <c>GET /admin/shards</c>. <see cref="Status"/>: allocated, handing-off or unallocated.</summary>
public sealed record ShardView(int Shard, string? Node, int Entities, string Type, long Epoch, string Status);

/// <summary>Body of <c>GET /admin/shards</c>.</summary>
public sealed record ShardListResponse(IReadOnlyList<ShardView> Shards);

/// <summary>A shard move started by a rebalance or an operator.</summary>
public sealed record ShardMoveView(string Type, int Shard, string From, string To);

/// <summary>Body of <c>POST /admin/shards/rebalance</c>.</summary>
public sealed record ShardMovesResponse(IReadOnlyList<ShardMoveView> Moves);

/// <summary>Body of <c>POST /admin/shards/{shard}/move</c>.</summary>
public sealed record ShardMoveRequest(string? Node);

/// <summary>Body of <c>GET /admin/shards/locate/{entityId}</c>; <see cref="Node"/> is null while the shard is unallocated.</summary>
public sealed record ShardLocationView(string Type, string EntityId, int Shard, string? Node, long Epoch);

/// <summary>Body of <c>POST /admin/cluster/drain/{node}</c>: the node owns no shard any more and is leaving (when it was live).</summary>
public sealed record DrainResponse(string Node, string Status, bool Leaving);

/// <summary>Options of the shard admin API.</summary>
/// <param name="DrainTimeout">How long <c>POST /admin/cluster/drain/{node}</c> waits for the hand-offs before it answers 504.</param>
public sealed record ShardAdminOptions(TimeSpan DrainTimeout)
{
    /// <summary>120 s: inside the StatefulSet's 150 s grace period, which also covers the leave.</summary>
    public static ShardAdminOptions Default { get; } = new(TimeSpan.FromSeconds(120));

    /// <summary>Reads <c>actorrec.admin.drain-timeout</c>; a bad value throws <see cref="SettingsException"/> naming the key.</summary>
    public static ShardAdminOptions Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        const string Key = "actorrec.admin.drain-timeout";
        var drainTimeout = config.GetPositiveDuration(Key);
        return drainTimeout <= TimeSpan.FromHours(1)
            ? new ShardAdminOptions(drainTimeout)
            : throw new SettingsException(Key, $"must be at most 1h, got {drainTimeout}");
    }

    public static ShardAdminOptions Create(TimeSpan drainTimeout)
    {
        if (drainTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(drainTimeout), drainTimeout, "the drain timeout must be positive");
        }

        return new ShardAdminOptions(drainTimeout);
    }
}
