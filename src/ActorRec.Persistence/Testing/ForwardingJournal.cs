using ActorRec.Persistence.Journal;

namespace ActorRec.Persistence.Testing;

/// <summary>
/// A journal that passes every call to <see cref="Inner"/>: the base of test journals that change a few calls (hold
/// or fail writes, fail replays) and leave the rest alone. Disposing it disposes the inner journal unless a subclass
/// says otherwise.
/// </summary>
public abstract class ForwardingJournal(IJournal inner) : IJournal
{
    protected IJournal Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    public virtual Task WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default) => Inner.WriteAsync(write, cancellationToken);

    public virtual Task<IReadOnlyList<Exception?>> WriteBatchAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default) =>
        Inner.WriteBatchAsync(writes, cancellationToken);

    public virtual IAsyncEnumerable<PersistentRepr> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        CancellationToken cancellationToken = default) => Inner.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max, cancellationToken);

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default) =>
        Inner.ReadHighestSequenceNrAsync(persistenceId, cancellationToken);

    public Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default) =>
        Inner.DeleteToAsync(persistenceId, toSequenceNr, cancellationToken);

    public IAsyncEnumerable<PersistentRepr> CurrentEventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr,
        CancellationToken cancellationToken = default) => Inner.CurrentEventsByPersistenceIdAsync(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken);

    public IAsyncEnumerable<PersistentRepr> EventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr,
        CancellationToken cancellationToken = default) => Inner.EventsByPersistenceIdAsync(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken);

    public IAsyncEnumerable<PersistentRepr> CurrentAllEventsAsync(long afterOffset, CancellationToken cancellationToken = default) =>
        Inner.CurrentAllEventsAsync(afterOffset, cancellationToken);

    public IAsyncEnumerable<PersistentRepr> AllEventsAsync(long afterOffset, CancellationToken cancellationToken = default) =>
        Inner.AllEventsAsync(afterOffset, cancellationToken);

    public IAsyncEnumerable<string> CurrentPersistenceIdsAsync(CancellationToken cancellationToken = default) => Inner.CurrentPersistenceIdsAsync(cancellationToken);

    public IAsyncEnumerable<PersistentRepr> ScanRowsAsync(long afterOffset, CancellationToken cancellationToken = default) =>
        Inner.ScanRowsAsync(afterOffset, cancellationToken);

    public Task<long> ReadHighestOffsetAsync(CancellationToken cancellationToken = default) => Inner.ReadHighestOffsetAsync(cancellationToken);

    public Task FenceAsync(string fenceKey, long epoch, CancellationToken cancellationToken = default) => Inner.FenceAsync(fenceKey, epoch, cancellationToken);

    public Task<long> ReadFenceEpochAsync(string fenceKey, CancellationToken cancellationToken = default) => Inner.ReadFenceEpochAsync(fenceKey, cancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return Inner.DisposeAsync();
    }
}
