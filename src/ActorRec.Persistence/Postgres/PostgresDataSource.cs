using Npgsql;

namespace ActorRec.Persistence.Postgres;

/// <summary>
/// Creates the Npgsql data sources of the journal and the snapshot store. Without a <c>Maximum Pool Size</c> in the
/// connection string Npgsql allows 100 connections per pool, which is PostgreSQL's default <c>max_connections</c>:
/// thousands of actors recovering at once then open connections until the server refuses them ("too many clients")
/// and recoveries fail. Unless the operator sets a pool size, each pool is capped at <see cref="DefaultMaxPoolSize"/>;
/// further requests wait for a free connection (Npgsql's <c>Timeout</c>) instead of failing.
/// </summary>
internal static class PostgresDataSource
{
    /// <summary>Connections per pool when the connection string does not say (journal and snapshot store: 2 pools).</summary>
    public const int DefaultMaxPoolSize = 16;

    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!SetsPoolSize(connectionString))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }

        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>True when the string names a maximum pool size under any of Npgsql's spellings.</summary>
    private static bool SetsPoolSize(string connectionString)
    {
        var keys = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys;
        foreach (string key in keys)
        {
            string normalized = key.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
            if (normalized is "MAXPOOLSIZE" or "MAXIMUMPOOLSIZE")
            {
                return true;
            }
        }

        return false;
    }
}
