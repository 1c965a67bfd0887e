using ActorRec.Cluster.Storage;

namespace ActorRec.Cluster.Singleton;

/// <summary>
/// One tenure of a singleton: the node that ran it under lease token <see cref="Token"/>, from
/// <see cref="StartedAt"/> until <see cref="StoppedAt"/> (null while running, or when the node died, whose instance
/// died with it by <see cref="ValidUntil"/> at the latest: the expiry of the last lease renewal it recorded). For two
/// consecutive tenures <c>next.StartedAt &gt;= prev.EndedBy</c> must hold: that is how operators and tests check
/// that the singleton never ran twice.
/// </summary>
public sealed record SingletonRun(string Name, long Token, string Node, DateTimeOffset StartedAt, DateTimeOffset ValidUntil, DateTimeOffset? StoppedAt)
{
    /// <summary>When the instance stopped: as recorded, else (the node died) when its lease ran out.</summary>
    public DateTimeOffset EndedBy => StoppedAt ?? ValidUntil;
}

/// <summary>Audit log of singleton tenures, written by the holder (best effort: a failed write is logged only).</summary>
public interface ISingletonRunLog
{
    Task InitializeAsync(CancellationToken cancellationToken = default);

    Task StartedAsync(SingletonRun run, CancellationToken cancellationToken = default);

    Task RenewedAsync(string name, long token, DateTimeOffset validUntil, CancellationToken cancellationToken = default);

    Task StoppedAsync(string name, long token, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Every recorded tenure of <paramref name="name"/>, in token order.</summary>
    Task<IReadOnlyList<SingletonRun>> ReadAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>Process-local run log (one node, tests).</summary>
public sealed class InMemorySingletonRunLog : ISingletonRunLog
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<(string Name, long Token), SingletonRun> _runs = [];

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task StartedAsync(SingletonRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (_gate)
        {
            _runs[(run.Name, run.Token)] = run;
        }

        return Task.CompletedTask;
    }

    public Task RenewedAsync(string name, long token, DateTimeOffset validUntil, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_runs.TryGetValue((name, token), out var run))
            {
                _runs[(name, token)] = run with { ValidUntil = validUntil };
            }
        }

        return Task.CompletedTask;
    }

    public Task StoppedAsync(string name, long token, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_runs.TryGetValue((name, token), out var run))
            {
                _runs[(name, token)] = run with { StoppedAt = at };
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SingletonRun>> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var runs = new List<SingletonRun>();
            foreach (var (key, run) in _runs)
            {
                if (string.Equals(key.Name, name, StringComparison.Ordinal))
                {
                    runs.Add(run);
                }
            }

            return Task.FromResult<IReadOnlyList<SingletonRun>>(runs);
        }
    }
}

/// <summary>Run log in PostgreSQL or SQLite: <c>actorrec_singleton_runs(cluster, name, token, node, started_at_ms, valid_until_ms, stopped_at_ms)</c>.</summary>
public sealed class SqlSingletonRunLog(SqlDialect dialect, string clusterName) : ISingletonRunLog
{
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var t = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, t, dialect.SchemaPrelude, cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, t, """
            CREATE TABLE IF NOT EXISTS actorrec_singleton_runs (
                cluster TEXT NOT NULL,
                name TEXT NOT NULL,
                token BIGINT NOT NULL,
                node TEXT NOT NULL,
                started_at_ms BIGINT NOT NULL,
                valid_until_ms BIGINT NOT NULL,
                stopped_at_ms BIGINT NULL,
                PRIMARY KEY (cluster, name, token));
            """, cancellationToken).ConfigureAwait(false);
        await t.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StartedAsync(SingletonRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, null,
            "INSERT INTO actorrec_singleton_runs (cluster, name, token, node, started_at_ms, valid_until_ms, stopped_at_ms) " +
            "VALUES (@c, @n, @t, @node, @s, @v, NULL) ON CONFLICT DO NOTHING",
            cancellationToken, ("@c", clusterName), ("@n", run.Name), ("@t", run.Token), ("@node", run.Node),
            ("@s", Sql.ToMillis(run.StartedAt)), ("@v", Sql.ToMillis(run.ValidUntil))).ConfigureAwait(false);
    }

    public async Task RenewedAsync(string name, long token, DateTimeOffset validUntil, CancellationToken cancellationToken = default)
    {
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, null,
            "UPDATE actorrec_singleton_runs SET valid_until_ms = @v WHERE cluster = @c AND name = @n AND token = @t",
            cancellationToken, ("@c", clusterName), ("@n", name), ("@t", token), ("@v", Sql.ToMillis(validUntil))).ConfigureAwait(false);
    }

    public async Task StoppedAsync(string name, long token, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, null,
            "UPDATE actorrec_singleton_runs SET stopped_at_ms = @s WHERE cluster = @c AND name = @n AND token = @t",
            cancellationToken, ("@c", clusterName), ("@n", name), ("@t", token), ("@s", Sql.ToMillis(at))).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SingletonRun>> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Sql.Command(c, null,
            "SELECT token, node, started_at_ms, valid_until_ms, stopped_at_ms FROM actorrec_singleton_runs " +
            "WHERE cluster = @c AND name = @n ORDER BY token", ("@c", clusterName), ("@n", name));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var runs = new List<SingletonRun>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new SingletonRun(name, reader.GetInt64(0), reader.GetString(1), Sql.FromMillis(reader.GetInt64(2)),
                Sql.FromMillis(reader.GetInt64(3)), reader.IsDBNull(4) ? null : Sql.FromMillis(reader.GetInt64(4))));
        }

        return runs;
    }
}
