using System.Collections.Concurrent;
using System.Globalization;
using ActorRec.Persistence.Journal;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ActorRec.Persistence.Postgres;

/// <summary>
/// PostgreSQL journal (Npgsql): one transaction per group-commit batch, rows sent with binary COPY.
/// </summary>
/// <remarks>
/// <para><b>Checks in the transaction.</b> Before the COPY, one round trip reads the highest sequence of every id of
/// the batch that the writer has not cached (an index-only backward step per id through the UNIQUE
/// (pid, sequence_nr) index; a new id is first numbered in <c>persistence_ids</c> in the same transaction, see
/// <see cref="PostgresJournalSchema"/>; the writer caches each id's number with its sequence) and the epochs of the batch's fence keys from <c>journal_fences</c>, locking
/// those rows FOR UPDATE. Writes that would leave a gap, reuse a sequence number or carry an older epoch are left out
/// and failed alone. The sequence cache is filled only by committed batches of this writer and dropped for every id of
/// a failed batch; if another node wrote an id meanwhile, the cached sequence is too low, so the write collides with
/// the unique index (never leaves a gap): the batch fails, its writes are retried one by one with fresh reads and the
/// loser gets a <see cref="SequenceConflictException"/>. Fencing is always read from the table, never cached: a
/// concurrent <see cref="IJournal.FenceAsync"/> waits for the batch's row locks (or the batch waits for it and reads
/// the raised epoch); a key first fenced while a batch raises it is caught by the upsert's RETURNING.</para>
/// <para><b>Pipelining.</b> The group-commit writer keeps <see cref="ConcurrentCommits"/> batches in flight on separate
/// connections; batches in flight never share a persistence id (the writer holds a later write back until the batch
/// with the earlier one finished), so the sequence checks stay exact. Two batches under one fence key serialize on the
/// fence row lock.</para>
/// <para><b>Offsets.</b> <c>ordering</c> is an identity column. Identity values are taken at insert time, not commit
/// time, so with pipelined batches and across nodes offsets may become visible out of order; live queries wait for
/// holes (see <see cref="JournalBase"/> remarks and <c>gap-timeout</c>).</para>
/// <para><b>Reads.</b> Rows are read with binary COPY and decoded from the wire bytes by
/// <see cref="PostgresCopyReader"/>. A COPY takes no parameters, so a read by id first learns the id's number
/// (<c>persistence_ids</c>, never renumbered; cached) and the statement carries only numbers.</para>
/// </remarks>
public sealed partial class PostgresJournal : JournalBase
{
    private const int MaxCachedIds = 1_000_000;

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Every statement but the writer's passes this gate: a burst of reads can never take the connections the
    /// writer needs, nor time out in the pool (see <see cref="PostgresGate"/>).</summary>
    private readonly PostgresGate _gate;
    private readonly Dictionary<string, (long Pid, long Seq)> _lastById = new(StringComparer.Ordinal);

    /// <summary>Numbers of ids read (an id's number never changes once committed; absent ids are not cached).</summary>
    private readonly ConcurrentDictionary<string, long> _pidNumbers = new(StringComparer.Ordinal);
    private readonly PostgresManifestNames _manifests = new();

    /// <summary>Group-commit batches in flight at once: while one waits for its COPY and commit (server CPU, fsync),
    /// the next is read, checked and streamed, so client and server work overlap.</summary>
    public const int ConcurrentCommits = 2;

    public PostgresJournal(PersistenceSettings settings, TimeProvider? time = null, ILogger? logger = null)
        : base(settings, time, logger, ConcurrentCommits)
    {
        if (string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            throw new ArgumentException($"{PersistenceSettings.Section}.postgres.connection-string is required for the PostgreSQL journal.", nameof(settings));
        }

        _dataSource = PostgresDataSource.Create(settings.ConnectionString);
        _gate = new PostgresGate(_dataSource, ConcurrentCommits + 1);
        using NpgsqlCommand cmd = _dataSource.CreateCommand(PostgresJournalSchema.Ddl);
        cmd.ExecuteNonQuery();
    }

    protected override bool OrderingMayHaveGaps => true;

    protected override async Task<Exception?[]?> CommitBatchAsync(IReadOnlyList<AtomicWrite> batch, CancellationToken cancellationToken)
    {
        FastPlan? plan = PlanFast(batch);
        if (plan is not null)
        {
            try
            {
                await CommitFastAsync(batch, plan, cancellationToken).ConfigureAwait(false);
                Remember(batch, plan.Pids);
                return null;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or FencedSqlState)
            {
                // Another node wrote one of these ids (the cache is behind) or raised a fence: nothing was stored.
                // The checked path reads the truth and fails only the offending writes.
                Forget(batch);
                NoteFastPathRefused(batch.Count, ex.SqlState);
            }
            catch (Exception) when (Forget(batch))
            {
                throw;
            }
        }

        return await CommitCheckedAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The checked path: reads the state of the batch's uncached ids and its fences first, leaves out and
    /// reports the writes that break a rule, stores the rest.</summary>
    private async Task<Exception?[]?> CommitCheckedAsync(IReadOnlyList<AtomicWrite> batch, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection conn = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            (Dictionary<string, long> last, Dictionary<string, long> pids, Dictionary<string, long> fences) = await ReadStateAsync(conn, batch, _lastById, cancellationToken)
                .ConfigureAwait(false);
            Exception?[]? results;
            List<AtomicWrite> accepted;
            Dictionary<string, long>? raised;
            for (int pass = 0; ; pass++)
            {
                results = null;
                accepted = new List<AtomicWrite>(batch.Count);
                raised = null;
                List<string>? refused = null;
                for (int i = 0; i < batch.Count; i++)
                {
                    AtomicWrite write = batch[i];
                    long seq = last.GetValueOrDefault(write.PersistenceId);
                    long fence = fences.GetValueOrDefault(write.FenceKey);
                    JournalException? rejection = CheckWrite(write, seq, fence);
                    if (rejection is not null)
                    {
                        (results ??= new Exception?[batch.Count])[i] = rejection;
                        if (pass == 0 && rejection is SequenceGapException or SequenceConflictException)
                        {
                            (refused ??= []).Add(write.PersistenceId);
                        }

                        continue;
                    }

                    accepted.Add(write);
                    last[write.PersistenceId] = write.HighestSequenceNr;
                    if (write.WriterEpoch > fence)
                    {
                        fences[write.FenceKey] = write.WriterEpoch;
                        (raised ??= new Dictionary<string, long>(StringComparer.Ordinal))[write.FenceKey] = write.WriterEpoch;
                    }
                }

                if (refused is null || !ForgetCached(refused))
                {
                    break;
                }

                // An entity that moved to another node and back finds this node's cached sequence behind the journal:
                // read the truth before refusing anything (the cache may only ever save a round trip).
                (last, pids, fences) = await ReadStateAsync(conn, batch, _lastById, cancellationToken).ConfigureAwait(false);
            }

            if (accepted.Count > 0)
            {
                long[] acceptedPids = new long[accepted.Count];
                for (int i = 0; i < acceptedPids.Length; i++)
                {
                    acceptedPids[i] = pids[accepted[i].PersistenceId];
                }

                CopyRows(conn, accepted, acceptedPids);
            }

            if (raised is not null)
            {
                await RaiseFencesAsync(conn, raised, cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            lock (_lastById)
            {
                if (_lastById.Count > MaxCachedIds)
                {
                    _lastById.Clear();
                }

                foreach (AtomicWrite write in accepted)
                {
                    _lastById[write.PersistenceId] = (pids[write.PersistenceId], write.HighestSequenceNr);
                }
            }

            return results;
        }
        catch (Exception) when (Forget(batch))
        {
            throw;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && batch.Count == 1)
        {
            throw new SequenceConflictException(batch[0].PersistenceId, batch[0].LowestSequenceNr,
                await ReadHighestSequenceNrCoreAsync(batch[0].PersistenceId, CancellationToken.None).ConfigureAwait(false), ex);
        }
    }

    /// <summary>Drops <paramref name="ids"/> from the sequence cache; true when one of them was cached.</summary>
    private bool ForgetCached(List<string> ids)
    {
        bool dropped = false;
        lock (_lastById)
        {
            foreach (string id in ids)
            {
                dropped |= _lastById.Remove(id);
            }
        }

        return dropped;
    }

    /// <summary>Drops the cached sequences of a failed batch's ids (another node may have written them); never matches.</summary>
    private bool Forget(IReadOnlyList<AtomicWrite> batch)
    {
        lock (_lastById)
        {
            foreach (AtomicWrite write in batch)
            {
                _lastById.Remove(write.PersistenceId);
            }
        }

        return false;
    }

    protected override async Task<List<PersistentRepr>> ReadEventsAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, int max,
        CancellationToken cancellationToken)
    {
        using PostgresGate.Permit permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection conn = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        long pid = await PidNumberAsync(conn, persistenceId, cancellationToken).ConfigureAwait(false);
        if (pid == 0)
        {
            return [];
        }

        string command = string.Create(CultureInfo.InvariantCulture, $"""
            COPY (SELECT {PostgresCopyReader.ColumnsWithoutId} FROM journal j
            WHERE j.pid = {pid} AND j.sequence_nr >= {fromSequenceNr} AND j.sequence_nr <= {toSequenceNr} AND NOT j.deleted
            ORDER BY j.sequence_nr LIMIT {max}) TO STDOUT (FORMAT BINARY)
            """);
        return await PostgresCopyReader.ReadAllAsync(conn, command, persistenceId, _manifests, Math.Min(max, 1024), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The number of <paramref name="persistenceId"/> in <c>persistence_ids</c>, or 0 when it has none (never written).</summary>
    private async ValueTask<long> PidNumberAsync(NpgsqlConnection conn, string persistenceId, CancellationToken cancellationToken)
    {
        if (_pidNumbers.TryGetValue(persistenceId, out long known))
        {
            return known;
        }

        await using var cmd = new NpgsqlCommand("SELECT id FROM persistence_ids WHERE persistence_id = $1", conn);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        if (await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long number)
        {
            return 0;
        }

        if (_pidNumbers.Count >= MaxCachedIds)
        {
            _pidNumbers.Clear();
        }

        _pidNumbers[persistenceId] = number;
        return number;
    }

    protected override async Task<long> ReadHighestSequenceNrCoreAsync(string persistenceId, CancellationToken cancellationToken)
    {
        using PostgresGate.Permit permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlCommand cmd = _dataSource.CreateCommand("SELECT COALESCE(MAX(sequence_nr), 0) FROM journal WHERE pid = (SELECT id FROM persistence_ids WHERE persistence_id = $1)");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    protected override async Task DeleteToCoreAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        using PostgresGate.Permit permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlCommand cmd = _dataSource.CreateCommand(
            "UPDATE journal SET deleted = TRUE WHERE pid = (SELECT id FROM persistence_ids WHERE persistence_id = $1) AND sequence_nr <= $2 AND NOT deleted");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toSequenceNr });
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task<List<PersistentRepr>> ReadRowsByOffsetAsync(long afterOffset, int max, CancellationToken cancellationToken)
    {
        using PostgresGate.Permit permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection conn = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        string command = string.Create(CultureInfo.InvariantCulture, $"""
            COPY (SELECT {PostgresCopyReader.ColumnsWithId} FROM journal j JOIN persistence_ids p ON p.id = j.pid
            WHERE j.ordering > {afterOffset} ORDER BY j.ordering LIMIT {max}) TO STDOUT (FORMAT BINARY)
            """);
        return await PostgresCopyReader.ReadAllAsync(conn, command, null, _manifests, Math.Min(max, 1024), cancellationToken).ConfigureAwait(false);
    }

    protected override async Task<List<string>> ReadPersistenceIdsAsync(string? after, int max, CancellationToken cancellationToken)
    {
        using PostgresGate.Permit permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlCommand cmd = _dataSource.CreateCommand(
            """
            SELECT p.persistence_id COLLATE "C" FROM persistence_ids p
            WHERE p.persistence_id COLLATE "C" > $1 AND EXISTS (SELECT 1 FROM journal j WHERE j.pid = p.id)
            ORDER BY 1 LIMIT $2
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after ?? string.Empty });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = max });
        var ids = new List<string>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(r.GetString(0));
        }

        return ids;
    }

    protected override async Task<long> ReadHighestOffsetCoreAsync(CancellationToken cancellationToken)
    {
        using PostgresGate.Permit permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlCommand cmd = _dataSource.CreateCommand("SELECT COALESCE(MAX(ordering), 0) FROM journal");
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    protected override ValueTask DisposeCoreAsync() => _dataSource.DisposeAsync();

    /// <summary>
    /// One round trip: the highest sequence of every id of the batch, and the epoch of every fence key, the fence rows
    /// locked FOR UPDATE so that a concurrent <see cref="IJournal.FenceAsync"/> waits for this transaction (or this one
    /// waits for it and then sees the raised epoch).
    /// </summary>
    private static async Task<(Dictionary<string, long> Last, Dictionary<string, long> Pids, Dictionary<string, long> Fences)> ReadStateAsync(
        NpgsqlConnection conn, IReadOnlyList<AtomicWrite> batch, Dictionary<string, (long Pid, long Seq)> cached, CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var last = new Dictionary<string, long>(batch.Count, StringComparer.Ordinal);
        var pids = new Dictionary<string, long>(batch.Count, StringComparer.Ordinal);
        lock (cached)
        {
            foreach (AtomicWrite write in batch)
            {
                if (cached.TryGetValue(write.PersistenceId, out (long Pid, long Seq) known))
                {
                    last[write.PersistenceId] = known.Seq;
                    pids[write.PersistenceId] = known.Pid;
                }
                else
                {
                    ids.Add(write.PersistenceId);
                }

                keys.Add(write.FenceKey);
            }
        }

        string[] idArray = [.. ids];
        await using var cmd = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                // Every lookup below is an index probe per id. Right after a table was created its statistics can be
                // far behind its size, and a plan with a sequential scan per id stalled a batch for 30 s once.
                new NpgsqlBatchCommand("SET LOCAL enable_seqscan = off"),
                new NpgsqlBatchCommand("INSERT INTO persistence_ids (persistence_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING")
                {
                    Parameters = { new NpgsqlParameter<string[]> { TypedValue = idArray } },
                },
                new NpgsqlBatchCommand("""
                    SELECT p.persistence_id, p.id,
                      COALESCE((SELECT sequence_nr FROM journal WHERE pid = p.id ORDER BY sequence_nr DESC LIMIT 1), 0)
                    FROM persistence_ids p WHERE p.persistence_id = ANY($1)
                    """) { Parameters = { new NpgsqlParameter<string[]> { TypedValue = idArray } } },
                new NpgsqlBatchCommand("SELECT fence_key, epoch FROM journal_fences WHERE fence_key = ANY($1) ORDER BY fence_key FOR UPDATE")
                {
                    Parameters = { new NpgsqlParameter<string[]> { TypedValue = [.. keys] } },
                },
            },
        };
        var fences = new Dictionary<string, long>(StringComparer.Ordinal);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string id = r.GetString(0);
            pids[id] = r.GetInt64(1);
            last[id] = r.GetInt64(2);
        }

        await r.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            fences[r.GetString(0)] = r.GetInt64(1);
        }

        foreach (string id in idArray)
        {
            if (!pids.ContainsKey(id))
            {
                throw new InvalidOperationException($"Persistence id '{id}' has no number in persistence_ids after its upsert.");
            }
        }

        return (last, pids, fences);
    }

    /// <summary>
    /// Stores the raised epochs of the batch. A key with no row when the batch read the fences may have been fenced
    /// since by another node: the upsert then waits for that node's transaction and returns its higher epoch, and the
    /// batch fails (and is retried write by write, each then rejected or stored against the new epoch).
    /// </summary>
    private static async Task RaiseFencesAsync(NpgsqlConnection conn, Dictionary<string, long> raised, CancellationToken cancellationToken)
    {
        string[] keys = [.. raised.Keys];
        Array.Sort(keys, StringComparer.Ordinal);
        long[] epochs = new long[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            epochs[i] = raised[keys[i]];
        }

        await using var cmd = new NpgsqlCommand("""
            INSERT INTO journal_fences (fence_key, epoch) SELECT * FROM unnest($1::text[], $2::bigint[])
            ON CONFLICT (fence_key) DO UPDATE SET epoch = GREATEST(journal_fences.epoch, EXCLUDED.epoch)
            RETURNING fence_key, epoch
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = epochs });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string key = r.GetString(0);
            long stored = r.GetInt64(1);
            if (stored > raised[key])
            {
                throw new InvalidOperationException($"Fence key '{key}' was raised to epoch {stored} by another writer during this batch.");
            }
        }
    }

    protected override async Task<long> FenceCoreAsync(string fenceKey, long epoch, CancellationToken cancellationToken)
    {
        using PostgresGate.Permit permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlCommand cmd = _dataSource.CreateCommand(epoch > 0
            ? """
              INSERT INTO journal_fences (fence_key, epoch) VALUES ($1, $2)
              ON CONFLICT (fence_key) DO UPDATE SET epoch = GREATEST(journal_fences.epoch, EXCLUDED.epoch)
              RETURNING epoch
              """
            : "SELECT COALESCE((SELECT epoch FROM journal_fences WHERE fence_key = $1), 0)");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fenceKey });
        if (epoch > 0)
        {
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = epoch });
        }

        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
