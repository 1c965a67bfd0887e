namespace ActorRec.Cluster.Leases;

/// <summary>Process-local lease store (one node, tests); same semantics as <see cref="SqlLeaseStore"/>.</summary>
public sealed class InMemoryLeaseStore(TimeProvider? time = null) : ILeaseStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LeaseState> _rows = new(StringComparer.Ordinal);

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<LeaseAttempt> TryAcquireAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(name, holder, duration);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var expires = now + duration;
            if (!_rows.TryGetValue(name, out var row))
            {
                _rows[name] = new LeaseState(name, holder, 1, expires);
                return Task.FromResult(new LeaseAttempt(new Lease(name, holder, 1, expires), holder, expires));
            }

            if (row.Holder is null || row.ExpiresAt <= now)
            {
                var taken = new LeaseState(name, holder, row.Token + 1, expires);
                _rows[name] = taken;
                return Task.FromResult(new LeaseAttempt(new Lease(name, holder, taken.Token, expires), holder, expires));
            }

            if (row.Holder == holder)
            {
                _rows[name] = row with { ExpiresAt = expires };
                return Task.FromResult(new LeaseAttempt(new Lease(name, holder, row.Token, expires), holder, expires));
            }

            return Task.FromResult(new LeaseAttempt(null, row.Holder, row.ExpiresAt));
        }
    }

    public Task<Lease?> TryRenewAsync(Lease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        LeaseArgs.Check(lease.Name, lease.Holder, duration);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_rows.TryGetValue(lease.Name, out var row) || row.Holder != lease.Holder || row.Token != lease.Token || row.ExpiresAt <= now)
            {
                return Task.FromResult<Lease?>(null);
            }

            var expires = now + duration;
            _rows[lease.Name] = row with { ExpiresAt = expires };
            return Task.FromResult<Lease?>(lease with { ExpiresAt = expires });
        }
    }

    public Task<bool> ReleaseAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            if (!_rows.TryGetValue(lease.Name, out var row) || row.Holder != lease.Holder || row.Token != lease.Token)
            {
                return Task.FromResult(false);
            }

            _rows[lease.Name] = row with { Holder = null, ExpiresAt = DateTimeOffset.UnixEpoch };
            return Task.FromResult(true);
        }
    }

    public Task<LeaseState?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_rows.TryGetValue(name, out var row) ? row : null);
        }
    }
}
