using System.Runtime.CompilerServices;
using ActorRec.Persistence.Snapshots;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Persistence.Journal;

/// <summary>
/// Shared machinery of every journal plug-in: group commit, checksum verification on read, replay paging and
/// live queries. A plug-in implements the protected storage primitives only.
/// </summary>
/// <remarks>
/// <para><b>Live all-events and commit order.</b> Offsets are assigned at insert time (SQLite INTEGER PRIMARY KEY,
/// PostgreSQL identity), which may differ from commit order when several transactions run at once: a reader could
/// see offset 11 committed while 10 is still in flight, move past 10 and lose it. Within one process this cannot
/// happen when the writer commits one transaction at a time (SQLite, in-memory), so offsets become visible in order.
/// Where they may not (PostgreSQL: pipelined commits of one node, and several nodes) the live query treats a hole in
/// the offsets as an in-flight transaction: it stops before the hole and re-reads until the hole fills or
/// <see cref="PersistenceSettings.GapTimeout"/> passes (then it is a rolled-back transaction's burnt offsets and is
/// skipped). Logical deletes keep rows, so they never create holes.</para>
/// </remarks>
public abstract class JournalBase : IJournal
{
    private readonly GroupCommitWriter _writer;
    private readonly CommitNotifier _notifier = new();
    private int _disposed;

    /// <param name="settings">Journal settings (group commit, reads, live queries).</param>
    /// <param name="time">Clock for windows and live-query polling (null = system).</param>
    /// <param name="logger">Logger (null = none).</param>
    /// <param name="maxConcurrentCommits">Batches the group-commit writer may have in flight at once (1 = strictly one
    /// after the other). Above 1, <see cref="CommitBatchAsync"/> runs concurrently for batches with disjoint
    /// persistence ids, and offsets may become visible out of order (see remarks).</param>
    protected JournalBase(PersistenceSettings settings, TimeProvider? time, ILogger? logger, int maxConcurrentCommits = 1)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrentCommits);
        Settings = settings;
        Time = time ?? TimeProvider.System;
        Logger = logger ?? NullLogger.Instance;
        _writer = new GroupCommitWriter(CommitBatchAsync, _notifier.Signal, settings.MaxBatchRows, settings.MaxBatchBytes,
            settings.BatchWindow, maxConcurrentCommits, Time, Logger);
    }

    protected PersistenceSettings Settings { get; }

    protected TimeProvider Time { get; }

    protected ILogger Logger { get; }

    /// <summary>Transactions committed by the group-commit writer (for benchmarks and tests).</summary>
    public long CommitCount => _writer.Commits;

    /// <summary>True when offsets may have holes that later fill (several writer processes); see remarks.</summary>
    protected virtual bool OrderingMayHaveGaps => false;

    /// <summary>Test hook: called by stores before inserting the n-th row (0-based) of a transaction; throw to simulate a crash.</summary>
    internal Action<int>? FaultInjection { get; set; }

    public Task WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _writer.EnqueueAsync(write, cancellationToken);
    }

    /// <summary>
    /// Queues a write like <see cref="WriteAsync"/> but reports its outcome to <paramref name="callback"/> on the writer
    /// thread instead of through a task: no task and no thread-pool hop per write (persistent actors, whose callback
    /// only tells their own mailbox). A closed journal reports <see cref="ObjectDisposedException"/> to the callback.
    /// </summary>
    internal void Enqueue(AtomicWrite write, IWriteCallback callback, int index)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            callback.OnWriteCompleted(index, new ObjectDisposedException(GetType().Name, "The journal is closed."));
            return;
        }

        _writer.Enqueue(write, callback, index);
    }

    /// <summary>
    /// True only when this journal knows for certain that <paramref name="persistenceId"/> has never been written and
    /// that <paramref name="snapshots"/> (its companion store) therefore holds no snapshot of it: recovery of such an
    /// entity (a user seen for the first time) then needs no read at all. False whenever in doubt (the default).
    /// </summary>
    internal virtual bool IsNeverWritten(string persistenceId, ISnapshotStore snapshots) => false;

    public async Task<IReadOnlyList<Exception?>> WriteBatchAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        var tasks = new Task[writes.Count];
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = WriteAsync(writes[i], cancellationToken);
        }

        var results = new Exception?[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            try
            {
                await tasks[i].ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                results[i] = ex;
            }
        }

        return results;
    }

    public async IAsyncEnumerable<PersistentRepr> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        long next = Math.Max(1, fromSequenceNr);
        long remaining = max;
        while (remaining > 0 && next <= toSequenceNr)
        {
            int want = (int)Math.Min(remaining, Settings.ReadBatchSize);
            List<PersistentRepr> rows = await ReadEventsAsync(persistenceId, next, toSequenceNr, want, cancellationToken).ConfigureAwait(false);
            foreach (PersistentRepr row in rows)
            {
                Verify(row);
                yield return row;
                next = row.SequenceNr + 1;
            }

            remaining -= rows.Count;
            if (rows.Count < want)
            {
                yield break;
            }
        }
    }

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        return ReadHighestSequenceNrCoreAsync(persistenceId, cancellationToken);
    }

    public Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentOutOfRangeException.ThrowIfNegative(toSequenceNr);
        return DeleteToCoreAsync(persistenceId, toSequenceNr, cancellationToken);
    }

    public IAsyncEnumerable<PersistentRepr> CurrentEventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr,
        CancellationToken cancellationToken = default) =>
        ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, long.MaxValue, cancellationToken);

    public async IAsyncEnumerable<PersistentRepr> EventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        long next = Math.Max(1, fromSequenceNr);
        while (next <= toSequenceNr)
        {
            Task signal = _notifier.Next;
            List<PersistentRepr> rows = await ReadEventsAsync(persistenceId, next, toSequenceNr, Settings.ReadBatchSize, cancellationToken)
                .ConfigureAwait(false);
            foreach (PersistentRepr row in rows)
            {
                Verify(row);
                yield return row;
                next = row.SequenceNr + 1;
            }

            if (rows.Count < Settings.ReadBatchSize && next <= toSequenceNr)
            {
                await CommitNotifier.WaitAsync(signal, Settings.LivePollInterval, Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async IAsyncEnumerable<PersistentRepr> CurrentAllEventsAsync(long afterOffset,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long next = afterOffset;
        while (true)
        {
            List<PersistentRepr> rows = await ReadRowsByOffsetAsync(next, Settings.ReadBatchSize, cancellationToken).ConfigureAwait(false);
            foreach (PersistentRepr row in rows)
            {
                next = row.Ordering;
                if (!row.Deleted)
                {
                    Verify(row);
                    yield return row;
                }
            }

            if (rows.Count < Settings.ReadBatchSize)
            {
                yield break;
            }
        }
    }

    public async IAsyncEnumerable<PersistentRepr> AllEventsAsync(long afterOffset,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long last = afterOffset;
        DateTimeOffset? gapSeen = null;
        while (true)
        {
            Task signal = _notifier.Next;
            List<PersistentRepr> rows = await ReadRowsByOffsetAsync(last, Settings.ReadBatchSize, cancellationToken).ConfigureAwait(false);
            bool blocked = false;
            foreach (PersistentRepr row in rows)
            {
                if (OrderingMayHaveGaps && row.Ordering != last + 1 && last > 0)
                {
                    DateTimeOffset now = Time.GetUtcNow();
                    gapSeen ??= now;
                    if (now - gapSeen.Value < Settings.GapTimeout)
                    {
                        blocked = true;
                        break;
                    }
                }

                gapSeen = null;
                last = row.Ordering;
                if (!row.Deleted)
                {
                    Verify(row);
                    yield return row;
                }
            }

            if (blocked)
            {
                // A hole: a transaction of this process (pipelined commits) or of another node is in flight. A local
                // commit wakes us (it may fill the hole); holes left by other nodes are re-read at the poll interval.
                await CommitNotifier.WaitAsync(signal, Settings.LivePollInterval, Time, cancellationToken)
                    .ConfigureAwait(false);
            }
            else if (rows.Count < Settings.ReadBatchSize)
            {
                await CommitNotifier.WaitAsync(signal, Settings.LivePollInterval, Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async IAsyncEnumerable<string> CurrentPersistenceIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? after = null;
        while (true)
        {
            List<string> ids = await ReadPersistenceIdsAsync(after, Settings.ReadBatchSize, cancellationToken).ConfigureAwait(false);
            foreach (string id in ids)
            {
                yield return id;
                after = id;
            }

            if (ids.Count < Settings.ReadBatchSize)
            {
                yield break;
            }
        }
    }

    public async IAsyncEnumerable<PersistentRepr> ScanRowsAsync(long afterOffset, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long next = afterOffset;
        while (true)
        {
            List<PersistentRepr> rows = await ReadRowsByOffsetAsync(next, Settings.ReadBatchSize, cancellationToken).ConfigureAwait(false);
            foreach (PersistentRepr row in rows)
            {
                next = row.Ordering;
                yield return row;
            }

            if (rows.Count < Settings.ReadBatchSize)
            {
                yield break;
            }
        }
    }

    public Task<long> ReadHighestOffsetAsync(CancellationToken cancellationToken = default) => ReadHighestOffsetCoreAsync(cancellationToken);

    public async Task FenceAsync(string fenceKey, long epoch, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fenceKey);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        long current = await FenceCoreAsync(fenceKey, epoch, cancellationToken).ConfigureAwait(false);
        if (current > epoch)
        {
            throw new JournalFencedException(fenceKey, 0, fenceKey, epoch, current);
        }
    }

    public Task<long> ReadFenceEpochAsync(string fenceKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fenceKey);
        return FenceCoreAsync(fenceKey, 0, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        await DisposeCoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Commits the batch in ONE transaction. Writes that break the sequence/epoch rules are left out and
    /// reported in the result (null = all stored); any other failure throws and nothing of the batch is stored.</summary>
    protected abstract Task<Exception?[]?> CommitBatchAsync(IReadOnlyList<AtomicWrite> batch, CancellationToken cancellationToken);

    /// <summary>Non-deleted events of one id in [from, to] by sequence, at most <paramref name="max"/>.</summary>
    protected abstract Task<List<PersistentRepr>> ReadEventsAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, int max,
        CancellationToken cancellationToken);

    protected abstract Task<long> ReadHighestSequenceNrCoreAsync(string persistenceId, CancellationToken cancellationToken);

    protected abstract Task DeleteToCoreAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken);

    /// <summary>Rows (deleted included) with ordering &gt; <paramref name="afterOffset"/>, by ordering, at most <paramref name="max"/>.</summary>
    protected abstract Task<List<PersistentRepr>> ReadRowsByOffsetAsync(long afterOffset, int max, CancellationToken cancellationToken);

    /// <summary>Distinct ids ordinally after <paramref name="after"/> (null = from the start), at most <paramref name="max"/>.</summary>
    protected abstract Task<List<string>> ReadPersistenceIdsAsync(string? after, int max, CancellationToken cancellationToken);

    protected abstract Task<long> ReadHighestOffsetCoreAsync(CancellationToken cancellationToken);

    /// <summary>Raises the epoch of <paramref name="fenceKey"/> to <paramref name="epoch"/> durably unless it is already
    /// higher or equal (then nothing is written); returns the epoch in force afterwards. Must be atomic with respect to
    /// <see cref="CommitBatchAsync"/>: no write checked against the old epoch may commit after this returned.</summary>
    protected abstract Task<long> FenceCoreAsync(string fenceKey, long epoch, CancellationToken cancellationToken);

    protected abstract ValueTask DisposeCoreAsync();

    /// <summary>Stores call this before inserting the <paramref name="rowIndex"/>-th row of a transaction.</summary>
    protected void BeforeRowInsert(int rowIndex) => FaultInjection?.Invoke(rowIndex);

    /// <summary>
    /// Checks a write against the highest stored sequence of its id and the epoch of its fence key; returns the rejection or null.
    /// </summary>
    protected static JournalException? CheckWrite(AtomicWrite write, long highestStored, long fenceEpoch)
    {
        if (write.WriterEpoch < fenceEpoch)
        {
            return new JournalFencedException(write.PersistenceId, write.LowestSequenceNr, write.FenceKey, write.WriterEpoch, fenceEpoch);
        }

        if (write.LowestSequenceNr <= highestStored)
        {
            return new SequenceConflictException(write.PersistenceId, write.LowestSequenceNr, highestStored);
        }

        return write.LowestSequenceNr != highestStored + 1
            ? new SequenceGapException(write.PersistenceId, write.LowestSequenceNr, highestStored)
            : null;
    }

    private static void Verify(PersistentRepr row)
    {
        uint computed = row.ComputeChecksum();
        if (computed != row.Checksum)
        {
            throw new JournalCorruptionException(row.PersistenceId, row.SequenceNr, row.Checksum, computed);
        }
    }
}
