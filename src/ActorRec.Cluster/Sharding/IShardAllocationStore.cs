namespace ActorRec.Cluster.Sharding;

/// <summary>
/// The shard allocation table (PostgreSQL for clusters; SQLite or in-memory for one node and tests): per entity type,
/// one row per allocated shard, plus the fencing token of the coordinator allowed to write and the shard count the
/// table was built for.
/// </summary>
/// <remarks>
/// Every write is a batch of conditional row changes applied all-or-nothing in one transaction, after checking that
/// the writer's coordinator token is not lower than the highest token seen for the type (then it becomes the highest).
/// So two coordinator incarnations (a singleton that lost its lease and its successor) can never both change the
/// table: the older one gets <see cref="ShardWriteOutcome.Fenced"/>. Racing writes of the same row: one gets
/// <see cref="ShardWriteOutcome.Conflict"/>.
/// </remarks>
public interface IShardAllocationStore
{
    /// <summary>Creates the schema if missing. Idempotent.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers a coordinator of <paramref name="typeName"/> holding fencing token <paramref name="coordinatorToken"/>
    /// (its singleton lease token): Applied when no higher token was seen, Fenced otherwise.
    /// </summary>
    /// <exception cref="ShardCountMismatchException">The table was built for another number of shards.</exception>
    Task<ShardWriteOutcome> ClaimAsync(string typeName, long coordinatorToken, int numberOfShards, CancellationToken cancellationToken = default);

    /// <summary>The table of <paramref name="typeName"/>, rows ordered by shard; token 0 and no rows when never claimed.</summary>
    Task<ShardAllocationSnapshot> ReadAsync(string typeName, CancellationToken cancellationToken = default);

    /// <summary>Applies <paramref name="changes"/> all-or-nothing (see the remarks of the interface).</summary>
    Task<ShardWriteOutcome> TryWriteAsync(string typeName, long coordinatorToken, IReadOnlyList<ShardChange> changes, CancellationToken cancellationToken = default);
}

/// <summary>The allocation table of a type was built for another <c>number-of-shards</c>; changing it would re-map entities.</summary>
public sealed class ShardCountMismatchException(string typeName, int stored, int configured)
    : InvalidOperationException(
        $"The shard allocation table of '{typeName}' was built for {stored} shards but actorrec.sharding.number-of-shards is {configured}; " +
        "the shard count cannot change while the table exists (entities would map to other shards).")
{
    public int Stored { get; } = stored;

    public int Configured { get; } = configured;
}

internal static class ShardStoreArgs
{
    public static void Check(string typeName, long coordinatorToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        ArgumentOutOfRangeException.ThrowIfLessThan(coordinatorToken, 1);
    }

    public static void Check(IReadOnlyList<ShardChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var seen = new HashSet<int>();
        foreach (var change in changes)
        {
            ArgumentNullException.ThrowIfNull(change, nameof(changes));
            ArgumentException.ThrowIfNullOrEmpty(change.Next.Owner, nameof(changes));
            if (change.Expected is { } e && e.Shard != change.Next.Shard)
            {
                throw new ArgumentException($"A change names shard {e.Shard} as expected and {change.Next.Shard} as next.", nameof(changes));
            }

            if (!seen.Add(change.Next.Shard))
            {
                throw new ArgumentException($"Shard {change.Next.Shard} appears twice in one batch.", nameof(changes));
            }
        }
    }
}
