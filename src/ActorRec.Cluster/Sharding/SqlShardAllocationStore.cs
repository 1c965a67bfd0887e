using System.Data.Common;
using ActorRec.Cluster.Storage;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// The allocation table in PostgreSQL or SQLite (same SQL; see <see cref="SqlDialect"/>).
/// </summary>
/// <remarks>
/// Schema: <c>actorrec_shard_coordinators(cluster, type_name, token, shard_count)</c>, one row per entity type, and
/// <c>actorrec_shards(cluster, type_name, shard, owner, epoch, status, handoff_to, version)</c>. A write runs in one
/// transaction: first <c>UPDATE coordinators SET token = @t WHERE token &lt;= @t</c> (no row: a newer coordinator has
/// written, so the writer is fenced), then the row changes: new rows as multi-row <c>INSERT ... ON CONFLICT DO NOTHING</c>
/// statements (up to 128 rows each, so allocating a whole table is one or two round trips), changed rows as
/// <c>UPDATE ... WHERE version = @expected</c>; any statement touching fewer rows than it names rolls the whole batch
/// back (Conflict). In PostgreSQL
/// the coordinator row's lock serializes writers of a type, and a writer that waited re-checks its predicates
/// against the committed data (READ COMMITTED re-evaluation of the updated row), so a stale coordinator cannot slip
/// in after its successor. In SQLite the transaction holds the database write lock from its first statement.
/// </remarks>
public sealed class SqlShardAllocationStore(SqlDialect dialect, string clusterName) : IShardAllocationStore
{
    /// <summary>New rows per INSERT statement (6 parameters each, well under SQLite's and PostgreSQL's limits).</summary>
    private const int InsertsPerStatement = 128;

    public string ClusterName { get; } = clusterName;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var t = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, t, dialect.SchemaPrelude, cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, t, """
            CREATE TABLE IF NOT EXISTS actorrec_shard_coordinators (
                cluster TEXT NOT NULL,
                type_name TEXT NOT NULL,
                token BIGINT NOT NULL,
                shard_count INTEGER NOT NULL,
                PRIMARY KEY (cluster, type_name));
            CREATE TABLE IF NOT EXISTS actorrec_shards (
                cluster TEXT NOT NULL,
                type_name TEXT NOT NULL,
                shard INTEGER NOT NULL,
                owner TEXT NOT NULL,
                epoch BIGINT NOT NULL,
                status INTEGER NOT NULL,
                handoff_to TEXT NULL,
                version BIGINT NOT NULL,
                PRIMARY KEY (cluster, type_name, shard));
            """, cancellationToken).ConfigureAwait(false);
        await t.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<ShardWriteOutcome> ClaimAsync(string typeName, long coordinatorToken, int numberOfShards, CancellationToken cancellationToken = default)
    {
        ShardStoreArgs.Check(typeName, coordinatorToken);
        ArgumentOutOfRangeException.ThrowIfLessThan(numberOfShards, 1);
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var t = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(c, t,
            "INSERT INTO actorrec_shard_coordinators (cluster, type_name, token, shard_count) VALUES (@c, @n, @t, @s) ON CONFLICT DO NOTHING",
            cancellationToken, ("@c", ClusterName), ("@n", typeName), ("@t", coordinatorToken), ("@s", numberOfShards)).ConfigureAwait(false);
        await using (var read = Sql.Command(c, t,
            "SELECT shard_count FROM actorrec_shard_coordinators WHERE cluster = @c AND type_name = @n", ("@c", ClusterName), ("@n", typeName)))
        {
            var stored = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            if (stored != numberOfShards)
            {
                await t.RollbackAsync(cancellationToken).ConfigureAwait(false);
                throw new ShardCountMismatchException(typeName, stored, numberOfShards);
            }
        }

        if (!await FenceAsync(c, t, typeName, coordinatorToken, cancellationToken).ConfigureAwait(false))
        {
            await t.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return ShardWriteOutcome.Fenced;
        }

        await t.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ShardWriteOutcome.Applied;
    }

    public async Task<ShardAllocationSnapshot> ReadAsync(string typeName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One statement, so the token and the rows come from the same snapshot.
        await using var command = Sql.Command(c, null,
            "SELECT k.token, k.shard_count, s.shard, s.owner, s.epoch, s.status, s.handoff_to, s.version " +
            "FROM actorrec_shard_coordinators k LEFT JOIN actorrec_shards s ON s.cluster = k.cluster AND s.type_name = k.type_name " +
            "WHERE k.cluster = @c AND k.type_name = @n ORDER BY s.shard",
            ("@c", ClusterName), ("@n", typeName));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        long token = 0;
        var count = 0;
        var rows = new List<ShardRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            token = reader.GetInt64(0);
            count = reader.GetInt32(1);
            if (!reader.IsDBNull(2))
            {
                rows.Add(new ShardRecord(
                    reader.GetInt32(2), reader.GetString(3), reader.GetInt64(4), (ShardStatus)reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt64(7)));
            }
        }

        return new ShardAllocationSnapshot(typeName, token, count, rows);
    }

    public async Task<ShardWriteOutcome> TryWriteAsync(string typeName, long coordinatorToken, IReadOnlyList<ShardChange> changes, CancellationToken cancellationToken = default)
    {
        ShardStoreArgs.Check(typeName, coordinatorToken);
        ShardStoreArgs.Check(changes);
        await using var c = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var t = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!await FenceAsync(c, t, typeName, coordinatorToken, cancellationToken).ConfigureAwait(false))
        {
            await t.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return ShardWriteOutcome.Fenced;
        }

        for (var i = 0; i < changes.Count;)
        {
            var inserts = 0;
            while (inserts < InsertsPerStatement && i + inserts < changes.Count && changes[i + inserts].Expected is null)
            {
                inserts++;
            }

            var expected = Math.Max(inserts, 1);
            var touched = inserts > 0
                ? await InsertAsync(c, t, typeName, changes, i, inserts, cancellationToken).ConfigureAwait(false)
                : await UpdateAsync(c, t, typeName, changes[i], cancellationToken).ConfigureAwait(false);
            i += expected;
            if (touched != expected)
            {
                await t.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return ShardWriteOutcome.Conflict;
            }
        }

        await t.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ShardWriteOutcome.Applied;
    }

    private async Task<bool> FenceAsync(DbConnection c, DbTransaction t, string typeName, long token, CancellationToken ct) =>
        await Sql.ExecuteAsync(c, t,
            "UPDATE actorrec_shard_coordinators SET token = @t WHERE cluster = @c AND type_name = @n AND token <= @t",
            ct, ("@c", ClusterName), ("@n", typeName), ("@t", token)).ConfigureAwait(false) == 1;

    /// <summary>
    /// Inserts <paramref name="count"/> new rows with one multi-row statement; a row that already exists is skipped
    /// (ON CONFLICT DO NOTHING), so fewer touched rows than <paramref name="count"/> means a conflict.
    /// </summary>
    private Task<int> InsertAsync(DbConnection c, DbTransaction t, string typeName, IReadOnlyList<ShardChange> changes, int start, int count, CancellationToken ct)
    {
        var text = new System.Text.StringBuilder(
            "INSERT INTO actorrec_shards (cluster, type_name, shard, owner, epoch, status, handoff_to, version) VALUES ", 110 + (count * 48));
        var values = new (string, object?)[2 + (count * 6)];
        values[0] = ("@c", ClusterName);
        values[1] = ("@n", typeName);
        for (var k = 0; k < count; k++)
        {
            var next = changes[start + k].Written;
            var p = 2 + (k * 6);
            values[p] = ($"@s{k}", next.Shard);
            values[p + 1] = ($"@o{k}", next.Owner);
            values[p + 2] = ($"@e{k}", next.Epoch);
            values[p + 3] = ($"@st{k}", (int)next.Status);
            values[p + 4] = ($"@h{k}", next.HandoffTo);
            values[p + 5] = ($"@v{k}", next.Version);
            text.Append(k == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture,
                $"(@c, @n, @s{k}, @o{k}, @e{k}, @st{k}, @h{k}, @v{k})");
        }

        text.Append(" ON CONFLICT DO NOTHING");
        return Sql.ExecuteAsync(c, t, text.ToString(), ct, values);
    }

    private Task<int> UpdateAsync(DbConnection c, DbTransaction t, string typeName, ShardChange change, CancellationToken ct)
    {
        var next = change.Written;
        return Sql.ExecuteAsync(c, t,
            "UPDATE actorrec_shards SET owner = @o, epoch = @e, status = @st, handoff_to = @h, version = @v " +
            "WHERE cluster = @c AND type_name = @n AND shard = @s AND version = @ev", ct,
            ("@c", ClusterName), ("@n", typeName), ("@s", next.Shard), ("@o", next.Owner), ("@e", next.Epoch),
            ("@st", (int)next.Status), ("@h", next.HandoffTo), ("@v", next.Version), ("@ev", change.Expected!.Version));
    }
}
