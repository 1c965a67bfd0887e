using ActorRec.Persistence.Snapshots;

namespace ActorRec.Persistence.InMemory;

/// <summary>Snapshot store in process memory (unit tests, <c>plugin = inmem</c>).</summary>
public sealed class InMemorySnapshotStore : ISnapshotStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SortedList<long, SnapshotRecord>> _byPid = new(StringComparer.Ordinal);

    public Task SaveAsync(SnapshotRecord snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_gate)
        {
            if (!_byPid.TryGetValue(snapshot.PersistenceId, out SortedList<long, SnapshotRecord>? list))
            {
                _byPid[snapshot.PersistenceId] = list = [];
            }

            list[snapshot.SequenceNr] = snapshot;
        }

        return Task.CompletedTask;
    }

    public Task<SnapshotRecord?> LoadLatestAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        lock (_gate)
        {
            if (_byPid.TryGetValue(persistenceId, out SortedList<long, SnapshotRecord>? list))
            {
                for (int i = list.Count - 1; i >= 0; i--)
                {
                    SnapshotRecord s = list.Values[i];
                    if (criteria.Matches(s.SequenceNr, s.TimestampMs))
                    {
                        return Task.FromResult<SnapshotRecord?>(s);
                    }
                }
            }
        }

        return Task.FromResult<SnapshotRecord?>(null);
    }

    public Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        lock (_gate)
        {
            if (_byPid.TryGetValue(persistenceId, out SortedList<long, SnapshotRecord>? list))
            {
                for (int i = list.Count - 1; i >= 0; i--)
                {
                    SnapshotRecord s = list.Values[i];
                    if (criteria.Matches(s.SequenceNr, s.TimestampMs))
                    {
                        list.RemoveAt(i);
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
