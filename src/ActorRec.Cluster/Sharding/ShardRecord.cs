using System.Diagnostics;

namespace ActorRec.Cluster.Sharding;

/// <summary>State of an allocated shard.</summary>
public enum ShardStatus
{
    /// <summary>Owned by <see cref="ShardRecord.Owner"/>, which serves it.</summary>
    Allocated = 1,

    /// <summary>
    /// <see cref="ShardRecord.Owner"/> is stopping its entities and will release the shard to
    /// <see cref="ShardRecord.HandoffTo"/>; messages for it are buffered meanwhile.
    /// </summary>
    HandingOff = 2,
}

/// <summary>
/// One row of the allocation table. <see cref="Epoch"/> is the fencing epoch of the ownership: it grows by one every
/// time the shard gets a new owner, and the journal refuses writes carrying an older epoch for the shard's entities.
/// <see cref="Version"/> is the row's optimistic-concurrency version (every write bumps it).
/// </summary>
[DebuggerDisplay("shard {Shard} {Status} owner {Owner} epoch {Epoch} v{Version}")]
public sealed record ShardRecord(int Shard, string Owner, long Epoch, ShardStatus Status, string? HandoffTo, long Version)
{
    /// <summary>A freshly allocated shard (first owner: epoch 1).</summary>
    public static ShardRecord New(int shard, string owner) => new(shard, owner, 1, ShardStatus.Allocated, null, 0);

    /// <summary>This record passed to a new owner: next epoch, allocated, no handoff.</summary>
    public ShardRecord OwnedBy(string owner) => this with { Owner = owner, Epoch = Epoch + 1, Status = ShardStatus.Allocated, HandoffTo = null };
}

/// <summary>A conditional change of one row: <see cref="Expected"/> null inserts, else the row must still be at
/// <c>Expected.Version</c>. The store writes <see cref="Next"/> with version <c>Expected.Version + 1</c> (1 for an insert).</summary>
public sealed record ShardChange(ShardRecord? Expected, ShardRecord Next)
{
    public static ShardChange Insert(ShardRecord next) => new(null, next);

    public static ShardChange Update(ShardRecord expected, ShardRecord next) => new(expected, next);

    /// <summary>The row as it is after the change was applied.</summary>
    public ShardRecord Written => Next with { Version = (Expected?.Version ?? 0) + 1 };
}

/// <summary>Outcome of a conditional write to the allocation store.</summary>
public enum ShardWriteOutcome
{
    /// <summary>Every change of the batch was written.</summary>
    Applied,

    /// <summary>A row moved since it was read (or an insert found a row): nothing was written; re-read and decide again.</summary>
    Conflict,

    /// <summary>A coordinator with a higher fencing token has written: this coordinator is stale and must stop.</summary>
    Fenced,
}

/// <summary>The allocation table of one entity type as read.</summary>
public sealed record ShardAllocationSnapshot(string TypeName, long CoordinatorToken, int NumberOfShards, IReadOnlyList<ShardRecord> Shards);
