namespace ActorRec.Cluster.Sharding;

/// <summary>Process-local allocation table (one node, tests); same semantics as <see cref="SqlShardAllocationStore"/>.</summary>
public sealed class InMemoryShardAllocationStore : IShardAllocationStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TypeTable> _types = new(StringComparer.Ordinal);

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<ShardWriteOutcome> ClaimAsync(string typeName, long coordinatorToken, int numberOfShards, CancellationToken cancellationToken = default)
    {
        ShardStoreArgs.Check(typeName, coordinatorToken);
        ArgumentOutOfRangeException.ThrowIfLessThan(numberOfShards, 1);
        lock (_gate)
        {
            if (!_types.TryGetValue(typeName, out var table))
            {
                _types[typeName] = new TypeTable(coordinatorToken, numberOfShards);
                return Task.FromResult(ShardWriteOutcome.Applied);
            }

            if (table.NumberOfShards != numberOfShards)
            {
                throw new ShardCountMismatchException(typeName, table.NumberOfShards, numberOfShards);
            }

            if (table.Token > coordinatorToken)
            {
                return Task.FromResult(ShardWriteOutcome.Fenced);
            }

            table.Token = coordinatorToken;
            return Task.FromResult(ShardWriteOutcome.Applied);
        }
    }

    public Task<ShardAllocationSnapshot> ReadAsync(string typeName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        lock (_gate)
        {
            return Task.FromResult(_types.TryGetValue(typeName, out var table)
                ? new ShardAllocationSnapshot(typeName, table.Token, table.NumberOfShards, [.. table.Rows.Values])
                : new ShardAllocationSnapshot(typeName, 0, 0, []));
        }
    }

    public Task<ShardWriteOutcome> TryWriteAsync(string typeName, long coordinatorToken, IReadOnlyList<ShardChange> changes, CancellationToken cancellationToken = default)
    {
        ShardStoreArgs.Check(typeName, coordinatorToken);
        ShardStoreArgs.Check(changes);
        lock (_gate)
        {
            if (!_types.TryGetValue(typeName, out var table) || table.Token > coordinatorToken)
            {
                return Task.FromResult(ShardWriteOutcome.Fenced);
            }

            foreach (var change in changes)
            {
                var exists = table.Rows.TryGetValue(change.Next.Shard, out var row);
                var matches = change.Expected is null ? !exists : exists && row!.Version == change.Expected.Version;
                if (!matches)
                {
                    return Task.FromResult(ShardWriteOutcome.Conflict);
                }
            }

            table.Token = coordinatorToken;
            foreach (var change in changes)
            {
                table.Rows[change.Next.Shard] = change.Written;
            }

            return Task.FromResult(ShardWriteOutcome.Applied);
        }
    }

    private sealed class TypeTable(long token, int numberOfShards)
    {
        public long Token { get; set; } = token;

        public int NumberOfShards { get; } = numberOfShards;

        public SortedDictionary<int, ShardRecord> Rows { get; } = [];
    }
}
