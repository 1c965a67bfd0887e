using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorRec.Cluster.Storage;

/// <summary>
/// What differs between the SQL stores of the cluster (membership, leases): how to open a connection and how to
/// serialize schema creation. The statements themselves are portable: BIGINT/TEXT columns, times as Unix
/// milliseconds, <c>INSERT ... ON CONFLICT DO NOTHING</c>, and conditional <c>UPDATE ... WHERE version = @expected</c>,
/// which PostgreSQL and SQLite both run the same way.
/// </summary>
public abstract class SqlDialect
{
    public abstract string Name { get; }

    /// <summary>Opens a new connection (pooled by the provider).</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs inside the schema-creation transaction before the DDL (serializes concurrent creators).</summary>
    internal abstract string SchemaPrelude { get; }

    public static SqlDialect Postgres(string connectionString) => new PostgresDialect(connectionString);

    public static SqlDialect Sqlite(string connectionString) => new SqliteDialect(connectionString);

    /// <summary>Dialect for the configured store; throws for the in-memory store, which has no SQL.</summary>
    public static SqlDialect For(ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.MembershipStore switch
        {
            MembershipStoreKind.Postgres => Postgres(settings.ConnectionString),
            MembershipStoreKind.Sqlite => Sqlite(settings.ConnectionString),
            _ => throw new ArgumentException("The in-memory store has no SQL dialect.", nameof(settings)),
        };
    }

    private sealed class PostgresDialect(string connectionString) : SqlDialect
    {
        private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

        public override string Name => "postgres";

        internal override string SchemaPrelude => "SELECT pg_advisory_xact_lock(7355001)";

        public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
            await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class SqliteDialect(string connectionString) : SqlDialect
    {
        public override string Name => "sqlite";

        internal override string SchemaPrelude => "SELECT 1";

        public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
    }
}

/// <summary>Small ADO.NET helpers shared by the SQL stores.</summary>
internal static class Sql
{
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string text, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }

        return command;
    }

    public static async Task<int> ExecuteAsync(DbConnection c, DbTransaction? t, string text, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var command = Command(c, t, text, parameters);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public static long ToMillis(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMillis(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
