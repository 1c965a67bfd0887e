namespace ActorRec.Cluster.Membership;

/// <summary>Process-local membership table (one node, tests). Same semantics as the SQL tables.</summary>
public sealed class InMemoryMembershipTable(string clusterName) : IMembershipTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MemberRow> _rows = new(StringComparer.Ordinal);
    private long _version;
    private long _nextETag;

    public string ClusterName { get; } = clusterName;

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<MembershipSnapshot> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var rows = _rows.Values.OrderBy(r => r.NodeName, StringComparer.Ordinal).ThenBy(r => r.Incarnation).ToArray();
            return Task.FromResult(new MembershipSnapshot(_version, [.. rows]));
        }
    }

    public Task<WriteOutcome> TryInsertAsync(MemberRow row, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        lock (_gate)
        {
            if (_version != expectedVersion || _rows.ContainsKey(row.MemberKey))
            {
                return Task.FromResult(WriteOutcome.Conflict);
            }

            _rows[row.MemberKey] = row with { ETag = ++_nextETag };
            _version++;
            return Task.FromResult(WriteOutcome.Applied);
        }
    }

    public Task<WriteOutcome> TryUpdateAsync(MemberRow row, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        lock (_gate)
        {
            if (_version != expectedVersion || !_rows.TryGetValue(row.MemberKey, out var current) || current.ETag != row.ETag)
            {
                return Task.FromResult(WriteOutcome.Conflict);
            }

            _rows[row.MemberKey] = row with { ETag = ++_nextETag, LastHeartbeat = current.LastHeartbeat, StartedAt = current.StartedAt, Proof = current.Proof, Address = current.Address };
            _version++;
            return Task.FromResult(WriteOutcome.Applied);
        }
    }

    public Task<bool> UpdateHeartbeatAsync(string nodeName, long incarnation, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var key = Transport.PeerIdentity.MemberKeyOf(nodeName, incarnation);
        lock (_gate)
        {
            if (!_rows.TryGetValue(key, out var current))
            {
                return Task.FromResult(false);
            }

            _rows[key] = current with { LastHeartbeat = at };
            return Task.FromResult(true);
        }
    }

    public Task<int?> DeleteDeadAsync(DateTimeOffset olderThan, long expectedVersion, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_version != expectedVersion)
            {
                return Task.FromResult<int?>(null);
            }

            var dead = _rows.Values.Where(r => !r.IsLive && r.LastHeartbeat < olderThan).Select(r => r.MemberKey).ToList();
            foreach (var key in dead)
            {
                _rows.Remove(key);
            }

            if (dead.Count > 0)
            {
                _version++;
            }

            return Task.FromResult<int?>(dead.Count);
        }
    }
}
