using System.Globalization;
using Npgsql;

namespace ActorRec.Benchmarks.Cluster;

/// <summary>
/// How many PostgreSQL connections each bench node may hold, so that every node of the cluster fits under the
/// server's <c>max_connections</c> together.
/// <para>
/// Why this exists (the population stall of <c>bench cluster --entities 10000</c>): the throwaway server's connection
/// string carries the test fixture's <c>Maximum Pool Size=50</c>, and the bench handed it to every node as it was. A
/// node opens four pools on that string (journal, snapshot store, the cluster host's membership/lease store and the
/// shard allocation store), and while thousands of first-time users recover at once the journal and snapshot pools
/// grow to their cap: 3 nodes × 2 × 50 connections is more than the server's 200. The node that lost the race got
/// "53300: sorry, too many clients already" on every recovery; its user actors stopped with their asks unanswered
/// (503 "users did not answer in time" after the 10 s ask timeout); and since the other nodes' pools kept their
/// connections busy (an idle one is closed only after 300 s), every retry failed the same way: population stopped.
/// </para>
/// <para>
/// The budget gives each pool of each node at most (<c>max_connections</c> − <see cref="Reserved"/>) /
/// (nodes × <see cref="PoolsPerNode"/>) connections, never more than the string asked for (or the journal's own
/// default when it names none). Npgsql then makes a recovery wait for a free connection instead of failing.
/// </para>
/// </summary>
public static class NodeConnectionBudget
{
    /// <summary>Npgsql pools a clustered <c>serve</c> node opens on its connection string.</summary>
    public const int PoolsPerNode = 4;

    /// <summary>Connections left for the bench's own queries, psql and PostgreSQL's superuser reserve.</summary>
    public const int Reserved = 10;

    /// <summary>The pool size a node uses when its connection string names none (the journal's default).</summary>
    public const int NodeDefaultPoolSize = 16;

    /// <summary>The smallest pool that still serves (one connection per pool would serialise every recovery).</summary>
    public const int MinimumPoolSize = 2;

    /// <summary>
    /// <paramref name="connection"/> with <c>Maximum Pool Size</c> set so that <paramref name="nodes"/> nodes fit under
    /// <paramref name="maxConnections"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The server allows too few connections for that many nodes (names
    /// <c>max_connections</c> and the number needed).</exception>
    public static string ForNode(string connection, int nodes, int maxConnections)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connection);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        var builder = new NpgsqlConnectionStringBuilder(connection);
        var asked = SetsPoolSize(connection) ? builder.MaxPoolSize : NodeDefaultPoolSize;
        var fits = (maxConnections - Reserved) / (nodes * PoolsPerNode);
        if (fits < MinimumPoolSize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"PostgreSQL max_connections = {maxConnections} is too low for {nodes} bench nodes: they need at least {nodes * PoolsPerNode * MinimumPoolSize + Reserved} ({PoolsPerNode} pools of {MinimumPoolSize} per node, {Reserved} reserved)."),
                nameof(maxConnections));
        }

        builder.MaxPoolSize = Math.Min(asked, fits);
        if (builder.MinPoolSize > builder.MaxPoolSize)
        {
            builder.MinPoolSize = builder.MaxPoolSize;
        }

        return builder.ConnectionString;
    }

    /// <summary>The server's <c>max_connections</c>.</summary>
    public static async Task<int> ServerMaxConnectionsAsync(string connection, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connection) { Pooling = false };
        await using var conn = new NpgsqlConnection(builder.ConnectionString);
        await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SHOW max_connections", conn);
        var value = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return int.Parse(Convert.ToString(value, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture);
    }

    private static bool SetsPoolSize(string connection)
    {
        foreach (string key in new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connection }.Keys)
        {
            if (key.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant() is "MAXPOOLSIZE" or "MAXIMUMPOOLSIZE")
            {
                return true;
            }
        }

        return false;
    }
}
