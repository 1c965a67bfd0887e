namespace ActorRec.Persistence.Journal;

/// <summary>
/// The event journal: durable, append-only, gap-free per persistence id, globally ordered by an offset.
/// Every plug-in (SQLite, PostgreSQL, in-memory) passes the contract suite in the tests (JournalSpec).
/// </summary>
public interface IJournal : IAsyncDisposable
{
    /// <summary>Stores one atomic write; completes only when it is durable (group-committed with other writers).</summary>
    /// <exception cref="SequenceConflictException">The first sequence number is already stored.</exception>
    /// <exception cref="SequenceGapException">The first sequence number is not highest + 1.</exception>
    /// <exception cref="JournalFencedException">The writer epoch is older than the one stored for the write's fence key.</exception>
    Task WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default);

    /// <summary>Stores several atomic writes; one result per write (null = stored), failures do not affect neighbours.</summary>
    Task<IReadOnlyList<Exception?>> WriteBatchAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default);

    /// <summary>Events of <paramref name="persistenceId"/> in [fromSeq, toSeq], at most <paramref name="max"/>, checksums verified.</summary>
    IAsyncEnumerable<PersistentRepr> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        CancellationToken cancellationToken = default);

    /// <summary>Highest sequence number ever stored for the id (deleted events still count), 0 when none.</summary>
    Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default);

    /// <summary>Logically deletes events up to and including <paramref name="toSequenceNr"/>; they no longer replay.</summary>
    Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default);

    /// <summary>Events of one id stored now, in sequence order (same as replay without a limit).</summary>
    IAsyncEnumerable<PersistentRepr> CurrentEventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr,
        CancellationToken cancellationToken = default);

    /// <summary>Live events of one id: the current ones, then new ones as they are committed, until <paramref name="toSequenceNr"/> or cancellation.</summary>
    IAsyncEnumerable<PersistentRepr> EventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr,
        CancellationToken cancellationToken = default);

    /// <summary>All (non-deleted) events with ordering offset greater than <paramref name="afterOffset"/>, stored now.</summary>
    IAsyncEnumerable<PersistentRepr> CurrentAllEventsAsync(long afterOffset, CancellationToken cancellationToken = default);

    /// <summary>Live all-events stream by offset (for projections); never skips a committed row (see JournalBase remarks).</summary>
    IAsyncEnumerable<PersistentRepr> AllEventsAsync(long afterOffset, CancellationToken cancellationToken = default);

    /// <summary>Distinct persistence ids stored now, in ordinal order.</summary>
    IAsyncEnumerable<string> CurrentPersistenceIdsAsync(CancellationToken cancellationToken = default);

    /// <summary>Every stored row after the offset, deleted ones included, checksums NOT verified (for verify/export tools).</summary>
    IAsyncEnumerable<PersistentRepr> ScanRowsAsync(long afterOffset, CancellationToken cancellationToken = default);

    /// <summary>Highest ordering offset stored (0 when empty); for progress reporting.</summary>
    Task<long> ReadHighestOffsetAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Writer-epoch fencing without writing an event: durably raises the epoch of <paramref name="fenceKey"/> (a
    /// persistence id, or a shard key that writes name in <see cref="AtomicWrite.FenceKey"/>) to <paramref name="epoch"/>.
    /// From the moment it returns, every write under that key with an older epoch is rejected with
    /// <see cref="JournalFencedException"/>. A new shard owner calls it before recovering the shard's entities.
    /// Fencing with the current epoch again is a no-op.
    /// </summary>
    /// <exception cref="JournalFencedException">A higher epoch is already stored: the caller itself is stale.</exception>
    Task FenceAsync(string fenceKey, long epoch, CancellationToken cancellationToken = default);

    /// <summary>Highest epoch stored for <paramref name="fenceKey"/> (by writes or <see cref="FenceAsync"/>), 0 when none.</summary>
    Task<long> ReadFenceEpochAsync(string fenceKey, CancellationToken cancellationToken = default);
}
