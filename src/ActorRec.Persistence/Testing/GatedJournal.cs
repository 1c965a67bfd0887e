using ActorRec.Persistence.Journal;

namespace ActorRec.Persistence.Testing;

/// <summary>
/// A journal for tests whose writes wait while it is closed (<see cref="Close"/> / <see cref="Open"/>); reads, fences
/// and the rest pass straight through to the wrapped journal. <see cref="WaitForWritesAsync"/> tells when a write of
/// each given persistence id is being held.
/// </summary>
public sealed class GatedJournal(IJournal inner) : ForwardingJournal(inner)
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

    public override async Task WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default)
    {
        await HoldAsync([write]).ConfigureAwait(false);
        await Inner.WriteAsync(write, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<IReadOnlyList<Exception?>> WriteBatchAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        await HoldAsync(writes).ConfigureAwait(false);
        return await Inner.WriteBatchAsync(writes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves the wrapped journal open: it is shared with the test that made this gate.</summary>
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

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
