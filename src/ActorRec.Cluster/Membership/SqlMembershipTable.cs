using System.Collections.Immutable;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorRec.Cluster.Storage;

namespace ActorRec.Cluster.Membership;

/// <summary>
/// Membership table in PostgreSQL or SQLite (same SQL; see <see cref="SqlDialect"/>).
/// </summary>
/// <remarks>
/// Schema: <c>actorrec_membership_version(cluster, version)</c>, one row per cluster, and
/// <c>actorrec_members(cluster, node, incarnation, address, status, last_heartbeat_ms, suspicions, roles,
/// started_at_ms, etag, proof)</c>. A change runs in one transaction: first
/// <c>UPDATE version SET version = version + 1 WHERE version = @expected</c> (zero rows = someone wrote first),
/// then the row insert or the <c>UPDATE ... WHERE etag = @etag</c>; either one touching no row rolls the whole
/// transaction back. In PostgreSQL the version row's lock serializes competing writers, and a writer that waited
/// re-checks the predicate against the committed version, so exactly one of two racing writers wins. In SQLite the
/// transaction takes the database write lock up front (BEGIN IMMEDIATE), with the same effect.
/// The new row ETag is the new table version, unique and increasing.
/// </remarks>
public sealed class SqlMembershipTable(SqlDialect dialect, string clusterName) : IMembershipTable
{
    private const string Columns = "m.node, m.incarnation, m.address, m.status, m.last_heartbeat_ms, m.suspicions, m.roles, m.started_at_ms, m.etag, m.proof";

    public string ClusterName { get; } = clusterName;

    public SqlDialect Dialect { get; } = dialect;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await Dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var t = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, t, Dialect.SchemaPrelude, cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, t, """
            CREATE TABLE IF NOT EXISTS actorrec_membership_version (
                cluster TEXT NOT NULL PRIMARY KEY,
                version BIGINT NOT NULL);
            CREATE TABLE IF NOT EXISTS actorrec_members (
                cluster TEXT NOT NULL,
                node TEXT NOT NULL,
                incarnation BIGINT NOT NULL,
                address TEXT NOT NULL,
                status INTEGER NOT NULL,
                last_heartbeat_ms BIGINT NOT NULL,
                suspicions TEXT NOT NULL,
                roles TEXT NOT NULL,
                started_at_ms BIGINT NOT NULL,
                etag BIGINT NOT NULL,
                proof TEXT NOT NULL,
                PRIMARY KEY (cluster, node, incarnation));
            """, cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, t,
            "INSERT INTO actorrec_membership_version (cluster, version) VALUES (@c, 0) ON CONFLICT DO NOTHING",
            cancellationToken, ("@c", ClusterName)).ConfigureAwait(false);
        await t.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<MembershipSnapshot> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await Dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One statement, so the version and the rows come from the same snapshot.
        await using var command = Sql.Command(c, null,
            $"SELECT v.version, {Columns} FROM actorrec_membership_version v " +
            "LEFT JOIN actorrec_members m ON m.cluster = v.cluster WHERE v.cluster = @c ORDER BY m.node, m.incarnation",
            ("@c", ClusterName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        long? version = null;
        var rows = ImmutableArray.CreateBuilder<MemberRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            version = reader.GetInt64(0);
            if (!reader.IsDBNull(1))
            {
                rows.Add(ReadRow(reader));
            }
        }

        return version is { } v
            ? new MembershipSnapshot(v, rows.ToImmutable())
            : throw new InvalidOperationException($"Membership table of cluster '{ClusterName}' is not initialized: call InitializeAsync first.");
    }

    public Task<WriteOutcome> TryInsertAsync(MemberRow row, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        return WriteAsync(expectedVersion, (c, t, ct) => Sql.ExecuteAsync(c, t,
            "INSERT INTO actorrec_members (cluster, node, incarnation, address, status, last_heartbeat_ms, suspicions, roles, started_at_ms, etag, proof) " +
            "VALUES (@c, @n, @i, @a, @s, @h, @sus, @r, @st, @e, @p) ON CONFLICT DO NOTHING",
            ct, ("@c", ClusterName), ("@n", row.NodeName), ("@i", row.Incarnation), ("@a", row.Address), ("@s", (int)row.Status),
            ("@h", Sql.ToMillis(row.LastHeartbeat)), ("@sus", Encode(row.Suspicions)), ("@r", Encode(row.Roles)),
            ("@st", Sql.ToMillis(row.StartedAt)), ("@e", expectedVersion + 1), ("@p", row.Proof)), cancellationToken);
    }

    public Task<WriteOutcome> TryUpdateAsync(MemberRow row, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        return WriteAsync(expectedVersion, (c, t, ct) => Sql.ExecuteAsync(c, t,
            "UPDATE actorrec_members SET status = @s, suspicions = @sus, roles = @r, etag = @ne " +
            "WHERE cluster = @c AND node = @n AND incarnation = @i AND etag = @e",
            ct, ("@c", ClusterName), ("@n", row.NodeName), ("@i", row.Incarnation), ("@s", (int)row.Status),
            ("@sus", Encode(row.Suspicions)), ("@r", Encode(row.Roles)), ("@ne", expectedVersion + 1), ("@e", row.ETag)), cancellationToken);
    }

    public async Task<bool> UpdateHeartbeatAsync(string nodeName, long incarnation, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var c = await Dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        var n = await Sql.ExecuteAsync(c, null,
            "UPDATE actorrec_members SET last_heartbeat_ms = @h WHERE cluster = @c AND node = @n AND incarnation = @i",
            cancellationToken, ("@h", Sql.ToMillis(at)), ("@c", ClusterName), ("@n", nodeName), ("@i", incarnation)).ConfigureAwait(false);
        return n == 1;
    }

    public async Task<int?> DeleteDeadAsync(DateTimeOffset olderThan, long expectedVersion, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        var outcome = await WriteAsync(expectedVersion, async (c, t, ct) =>
        {
            deleted = await Sql.ExecuteAsync(c, t,
                "DELETE FROM actorrec_members WHERE cluster = @c AND status >= @down AND last_heartbeat_ms < @before",
                ct, ("@c", ClusterName), ("@down", (int)MemberStatus.Down), ("@before", Sql.ToMillis(olderThan))).ConfigureAwait(false);
            return 1;
        }, cancellationToken).ConfigureAwait(false);
        return outcome == WriteOutcome.Applied ? deleted : null;
    }

    private async Task<WriteOutcome> WriteAsync(
        long expectedVersion, Func<DbConnection, DbTransaction, CancellationToken, Task<int>> change, CancellationToken cancellationToken)
    {
        await using var c = await Dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var t = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var bumped = await Sql.ExecuteAsync(c, t,
            "UPDATE actorrec_membership_version SET version = version + 1 WHERE cluster = @c AND version = @v",
            cancellationToken, ("@c", ClusterName), ("@v", expectedVersion)).ConfigureAwait(false);
        if (bumped != 1 || await change(c, t, cancellationToken).ConfigureAwait(false) != 1)
        {
            await t.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return WriteOutcome.Conflict;
        }

        await t.CommitAsync(cancellationToken).ConfigureAwait(false);
        return WriteOutcome.Applied;
    }

    private static MemberRow ReadRow(DbDataReader r) => new(
        NodeName: r.GetString(1),
        Incarnation: r.GetInt64(2),
        Address: r.GetString(3),
        Status: (MemberStatus)r.GetInt32(4),
        LastHeartbeat: Sql.FromMillis(r.GetInt64(5)),
        Suspicions: [.. JsonSerializer.Deserialize(r.GetString(6), MembershipJson.Default.SuspicionArray) ?? []],
        Roles: [.. JsonSerializer.Deserialize(r.GetString(7), MembershipJson.Default.StringArray) ?? []],
        StartedAt: Sql.FromMillis(r.GetInt64(8)),
        ETag: r.GetInt64(9),
        Proof: r.GetString(10));

    private static string Encode(ImmutableArray<Suspicion> suspicions) =>
        JsonSerializer.Serialize(suspicions.IsDefault ? [] : suspicions.ToArray(), MembershipJson.Default.SuspicionArray);

    private static string Encode(ImmutableArray<string> roles) =>
        JsonSerializer.Serialize(roles.IsDefault ? [] : roles.ToArray(), MembershipJson.Default.StringArray);
}

[JsonSerializable(typeof(Suspicion[]))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class MembershipJson : JsonSerializerContext;
