using ActorRec.Persistence.Journal;

namespace ActorRec.Persistence.Tests.Actors;

/// <summary>Wraps a journal: holds writes until <see cref="Open"/>, or fails the write that contains a chosen sequence number.</summary>
public sealed class ControlledJournal(IJournal inner) : IJournal
{
    private readonly TaskCompletionSource _writeArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _gate = CompletedSource();

    public long FailAtSequenceNr { get; set; } = -1;

    /// <summary>When set, every replay throws this error (a recovery that fails).</summary>
    public Exception? ReplayError { get; set; }

    public Task WriteArrived => _writeArrived.Task;

    public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open() => _gate.TrySetResult();

    public async Task WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default)
    {
        _writeArrived.TrySetResult();
        await _gate.Task;
        if (write.LowestSequenceNr <= FailAtSequenceNr && FailAtSequenceNr <= write.HighestSequenceNr)
        {
            throw new IOException($"disk full writing {write.PersistenceId}#{FailAtSequenceNr}");
        }

        await inner.WriteAsync(write, cancellationToken);
    }

    public Task<IReadOnlyList<Exception?>> WriteBatchAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default) =>
        inner.WriteBatchAsync(writes, cancellationToken);

    public IAsyncEnumerable<PersistentRepr> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        CancellationToken cancellationToken = default) => ReplayError is null
        ? inner.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max, cancellationToken)
        : FailingReplay(ReplayError);

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default) =>
        inner.ReadHighestSequenceNrAsync(persistenceId, cancellationToken);

    public Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default) =>
        inner.DeleteToAsync(persistenceId, toSequenceNr, cancellationToken);

    public IAsyncEnumerable<PersistentRepr> CurrentEventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr,
        CancellationToken cancellationToken = default) => inner.CurrentEventsByPersistenceIdAsync(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken);

    public IAsyncEnumerable<PersistentRepr> EventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr,
        CancellationToken cancellationToken = default) => inner.EventsByPersistenceIdAsync(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken);

    public IAsyncEnumerable<PersistentRepr> CurrentAllEventsAsync(long afterOffset, CancellationToken cancellationToken = default) =>
        inner.CurrentAllEventsAsync(afterOffset, cancellationToken);

    public IAsyncEnumerable<PersistentRepr> AllEventsAsync(long afterOffset, CancellationToken cancellationToken = default) =>
        inner.AllEventsAsync(afterOffset, cancellationToken);

    public IAsyncEnumerable<string> CurrentPersistenceIdsAsync(CancellationToken cancellationToken = default) =>
        inner.CurrentPersistenceIdsAsync(cancellationToken);

    public IAsyncEnumerable<PersistentRepr> ScanRowsAsync(long afterOffset, CancellationToken cancellationToken = default) =>
        inner.ScanRowsAsync(afterOffset, cancellationToken);

    public Task<long> ReadHighestOffsetAsync(CancellationToken cancellationToken = default) => inner.ReadHighestOffsetAsync(cancellationToken);

    public Task FenceAsync(string fenceKey, long epoch, CancellationToken cancellationToken = default) =>
        inner.FenceAsync(fenceKey, epoch, cancellationToken);

    public Task<long> ReadFenceEpochAsync(string fenceKey, CancellationToken cancellationToken = default) =>
        inner.ReadFenceEpochAsync(fenceKey, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

#pragma warning disable CS1998 // an iterator that fails before its first element
    private static async IAsyncEnumerable<PersistentRepr> FailingReplay(Exception error)
    {
        throw error;
#pragma warning disable CS0162 // unreachable: makes the method an iterator
        yield break;
#pragma warning restore CS0162
    }
#pragma warning restore CS1998

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}
