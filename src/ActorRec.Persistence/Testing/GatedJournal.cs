using ActorRec.Persistence.Journal;

namespace ActorRec.Persistence.Testing;

/// <summary>
/// A journal for tests whose writes wait while it is closed (<see cref="Close"/> / <see cref="Open"/>); reads, fences
/// and the rest pass straight through to the wrapped journal. <see cref="WaitForWritesAsync"/> tells when a write of
/// each given persistence id is being held.
/// </summary>
public sealed class GatedJournal(IJournal inner) : IJournal
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);
    private TaskCompletionSource _open = Opened();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Close()
    {
        lock (_gate)
        {
            if (_open.Task.IsCompleted)
            {
                _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Open()
    {
        lock (_gate)
        {
            _open.TrySetResult();
        }
    }

    /// <summary>Completes when a write of every one of <paramref name="persistenceIds"/> is held.</summary>
    public async Task WaitForWritesAsync(IReadOnlyCollection<string> persistenceIds)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (persistenceIds.All(_waiting.Contains))
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.ConfigureAwait(false);
        }
    }

    public async Task WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default)
    {
        await HoldAsync([write]).ConfigureAwait(false);
        await inner.WriteAsync(write, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Exception?>> WriteBatchAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        await HoldAsync(writes).ConfigureAwait(false);
        return await inner.WriteBatchAsync(writes, cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<PersistentRepr> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, CancellationToken cancellationToken = default) =>
        inner.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max, cancellationToken);

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

    public IAsyncEnumerable<string> CurrentPersistenceIdsAsync(CancellationToken cancellationToken = default) => inner.CurrentPersistenceIdsAsync(cancellationToken);

    public IAsyncEnumerable<PersistentRepr> ScanRowsAsync(long afterOffset, CancellationToken cancellationToken = default) =>
        inner.ScanRowsAsync(afterOffset, cancellationToken);

    public Task<long> ReadHighestOffsetAsync(CancellationToken cancellationToken = default) => inner.ReadHighestOffsetAsync(cancellationToken);

    public Task FenceAsync(string fenceKey, long epoch, CancellationToken cancellationToken = default) => inner.FenceAsync(fenceKey, epoch, cancellationToken);

    public Task<long> ReadFenceEpochAsync(string fenceKey, CancellationToken cancellationToken = default) => inner.ReadFenceEpochAsync(fenceKey, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private Task HoldAsync(IReadOnlyList<AtomicWrite> writes)
    {
        TaskCompletionSource changed;
        Task open;
        lock (_gate)
        {
            open = _open.Task;
            if (open.IsCompleted)
            {
                return Task.CompletedTask;
            }

            foreach (var w in writes)
            {
                _waiting.Add(w.PersistenceId);
            }

            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        return open;
    }
}
