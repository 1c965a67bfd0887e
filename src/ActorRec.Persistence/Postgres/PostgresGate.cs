using Npgsql;

namespace ActorRec.Persistence.Postgres;

/// <summary>
/// Bounds how many reads of a journal or snapshot store hold a pooled connection at once, so that a burst of reads
/// waits here, in order and without a deadline, instead of in Npgsql's pool.
/// </summary>
/// <remarks>
/// <para>Npgsql fails a request that waits longer than the connection string's <c>Timeout</c> (15 s by default) for
/// a free pooled connection. When 10,000 persistent actors recover at once on a loaded machine, their reads queue
/// for the pool's 16 connections longer than that, and recoveries failed with "The connection pool has been
/// exhausted" (session 4). Worse, the journal's group-commit writer takes its connections from the same pool: behind
/// such a queue a commit could time out and fail the writes of thousands of actors.</para>
/// <para>The gate lets at most <see cref="Permits"/> reads hold a connection; the journal sizes it to the pool minus
/// the connections its writer may hold (<see cref="PostgresJournal.ConcurrentCommits"/> plus one spare), so a commit
/// never waits behind reads, and a read waits for a permit (a semaphore, no deadline, cancellable) before it asks
/// the pool, where it then finds a free connection at once. The semaphore is never disposed (it holds no wait
/// handle), so a read that finishes while its store closes still releases its permit cleanly.</para>
/// </remarks>
internal sealed class PostgresGate
{
    private readonly SemaphoreSlim _permits;

    /// <param name="dataSource">The pool the gated work uses (its <c>Maximum Pool Size</c> sizes the gate).</param>
    /// <param name="reserved">Connections of that pool left to work that does not pass the gate (a journal's writer).</param>
    public PostgresGate(NpgsqlDataSource dataSource, int reserved)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentOutOfRangeException.ThrowIfNegative(reserved);
        int pool = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize;
        Permits = Math.Max(1, pool - reserved);
        _permits = new SemaphoreSlim(Permits, Permits);
    }

    /// <summary>Gated operations that may hold a connection at once.</summary>
    public int Permits { get; }

    /// <summary>Waits for a permit; dispose the returned permit to give it back.</summary>
    public async ValueTask<Permit> EnterAsync(CancellationToken cancellationToken)
    {
        await _permits.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Permit(_permits);
    }

    /// <summary>A held permit; disposing it releases it (once).</summary>
    public readonly struct Permit(SemaphoreSlim permits) : IDisposable
    {
        public void Dispose() => permits.Release();
    }
}
