using ActorRec.Cluster.Storage;

namespace ActorRec.Cluster.Leases;

/// <summary>
/// Leases in PostgreSQL or SQLite: table <c>actorrec_leases(cluster, name, holder, token, expires_at_ms)</c>.
/// Each operation is a single conditional statement (<c>INSERT ... ON CONFLICT DO NOTHING</c> or
/// <c>UPDATE ... WHERE holder/token/expiry match ... RETURNING</c>), atomic in both databases, so two contenders
/// racing for a free lease cannot both succeed: the second UPDATE re-checks its predicate after the first commits.
/// </summary>
public sealed class SqlLeaseStore(SqlDialect dialect, string clusterName, TimeProvider? time = null) : ILeaseStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var t = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, t, dialect.SchemaPrelude, cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, t, """
            CREATE TABLE IF NOT EXISTS actorrec_leases (
                cluster TEXT NOT NULL,
                name TEXT NOT NULL,
                holder TEXT NULL,
                token BIGINT NOT NULL,
                expires_at_ms BIGINT NOT NULL,
                PRIMARY KEY (cluster, name));
            """, cancellationToken).ConfigureAwait(false);
        await t.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<LeaseAttempt> TryAcquireAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(name, holder, duration);
        var now = Sql.ToMillis(_time.GetUtcNow());
        var expires = now + (long)duration.TotalMilliseconds;
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);

        var inserted = await Sql.ExecuteAsync(c, null,
            "INSERT INTO actorrec_leases (cluster, name, holder, token, expires_at_ms) VALUES (@c, @n, @h, 1, @e) ON CONFLICT DO NOTHING",
            cancellationToken, ("@c", clusterName), ("@n", name), ("@h", holder), ("@e", expires)).ConfigureAwait(false);
        if (inserted == 1)
        {
            return Won(1);
        }

        // Free, released or expired: a new holder, a new token.
        var token = await ScalarAsync(c,
            "UPDATE actorrec_leases SET holder = @h, token = token + 1, expires_at_ms = @e " +
            "WHERE cluster = @c AND name = @n AND (holder IS NULL OR expires_at_ms <= @now) RETURNING token",
            cancellationToken, ("@c", clusterName), ("@n", name), ("@h", holder), ("@e", expires), ("@now", now)).ConfigureAwait(false);
        if (token is { } taken)
        {
            return Won(taken);
        }

        // Already ours: extend, same token.
        token = await ScalarAsync(c,
            "UPDATE actorrec_leases SET expires_at_ms = @e WHERE cluster = @c AND name = @n AND holder = @h AND expires_at_ms > @now RETURNING token",
            cancellationToken, ("@c", clusterName), ("@n", name), ("@h", holder), ("@e", expires), ("@now", now)).ConfigureAwait(false);
        if (token is { } kept)
        {
            return Won(kept);
        }

        var state = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
        return new LeaseAttempt(null, state?.Holder, state?.ExpiresAt ?? DateTimeOffset.UnixEpoch);

        LeaseAttempt Won(long t)
        {
            var at = Sql.FromMillis(expires);
            return new LeaseAttempt(new Lease(name, holder, t, at), holder, at);
        }
    }

    public async Task<Lease?> TryRenewAsync(Lease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        LeaseArgs.Check(lease.Name, lease.Holder, duration);
        var now = Sql.ToMillis(_time.GetUtcNow());
        var expires = now + (long)duration.TotalMilliseconds;
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        var n = await Sql.ExecuteAsync(c, null,
            "UPDATE actorrec_leases SET expires_at_ms = @e " +
            "WHERE cluster = @c AND name = @n AND holder = @h AND token = @t AND expires_at_ms > @now",
            cancellationToken, ("@c", clusterName), ("@n", lease.Name), ("@h", lease.Holder), ("@t", lease.Token), ("@e", expires), ("@now", now))
            .ConfigureAwait(false);
        return n == 1 ? lease with { ExpiresAt = Sql.FromMillis(expires) } : null;
    }

    public async Task<bool> ReleaseAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        var n = await Sql.ExecuteAsync(c, null,
            "UPDATE actorrec_leases SET holder = NULL, expires_at_ms = 0 WHERE cluster = @c AND name = @n AND holder = @h AND token = @t",
            cancellationToken, ("@c", clusterName), ("@n", lease.Name), ("@h", lease.Holder), ("@t", lease.Token)).ConfigureAwait(false);
        return n == 1;
    }

    public async Task<LeaseState?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Sql.Command(c, null,
            "SELECT holder, token, expires_at_ms FROM actorrec_leases WHERE cluster = @c AND name = @n", ("@c", clusterName), ("@n", name));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new LeaseState(name, reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1), Sql.FromMillis(reader.GetInt64(2)));
    }

    private static async Task<long?> ScalarAsync(System.Data.Common.DbConnection c, string text, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var command = Sql.Command(c, null, text, parameters);
        var value = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return value is null or DBNull ? null : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
