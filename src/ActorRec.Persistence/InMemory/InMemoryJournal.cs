using ActorRec.Persistence.Journal;
using Microsoft.Extensions.Logging;

namespace ActorRec.Persistence.InMemory;

/// <summary>
/// Journal held in process memory (unit tests, <c>plugin = inmem</c>). Same rules as the durable plug-ins: it passes
/// the same contract suite. A batch is applied under one lock and only after every row of it was built, so a fault
/// in the middle leaves nothing behind.
/// </summary>
public sealed class InMemoryJournal : JournalBase
{
    private readonly object _gate = new();
    private readonly List<PersistentRepr> _rows = [];
    private readonly Dictionary<string, List<int>> _byPid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _fences = new(StringComparer.Ordinal);

    public InMemoryJournal(PersistenceSettings? settings = null, TimeProvider? time = null, ILogger? logger = null)
        : base(settings ?? PersistenceSettings.Default with { Plugin = PersistencePlugin.InMemory }, time, logger)
    {
    }

    /// <summary>Test hook: replaces the payload of a stored row without fixing its checksum.</summary>
    internal void Tamper(string persistenceId, long sequenceNr, byte[] payload)
    {
        lock (_gate)
        {
            foreach (int index in _byPid[persistenceId])
            {
                if (_rows[index].SequenceNr == sequenceNr)
                {
                    _rows[index] = _rows[index] with { Payload = payload };
                }
            }
        }
    }

    protected override Task<Exception?[]?> CommitBatchAsync(IReadOnlyList<AtomicWrite> batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Exception?[]? results = null;
            var pending = new List<PersistentRepr>();
            var last = new Dictionary<string, long>(StringComparer.Ordinal);
            var fences = new Dictionary<string, long>(StringComparer.Ordinal);
            long ordering = _rows.Count;
            int rowIndex = 0;
            for (int i = 0; i < batch.Count; i++)
            {
                AtomicWrite write = batch[i];
                if (!last.TryGetValue(write.PersistenceId, out long seq))
                {
                    seq = LastOf(write.PersistenceId);
                }

                if (!fences.TryGetValue(write.FenceKey, out long fence))
                {
                    fence = _fences.GetValueOrDefault(write.FenceKey);
                }

                JournalException? rejection = CheckWrite(write, seq, fence);
                if (rejection is not null)
                {
                    (results ??= new Exception?[batch.Count])[i] = rejection;
                    continue;
                }

                foreach (PersistentRepr e in write.Events)
                {
                    BeforeRowInsert(rowIndex++);
                    pending.Add(e with { Ordering = ++ordering, Checksum = e.ComputeChecksum(), Deleted = false });
                }

                last[write.PersistenceId] = write.HighestSequenceNr;
                fences[write.FenceKey] = Math.Max(fence, write.WriterEpoch);
            }

            foreach (KeyValuePair<string, long> kv in fences)
            {
                _fences[kv.Key] = kv.Value;
            }

            foreach (PersistentRepr row in pending)
            {
                if (!_byPid.TryGetValue(row.PersistenceId, out List<int>? list))
                {
                    _byPid[row.PersistenceId] = list = [];
                }

                list.Add(_rows.Count);
                _rows.Add(row);
            }

            return Task.FromResult(results);
        }
    }

    protected override Task<List<PersistentRepr>> ReadEventsAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, int max,
        CancellationToken cancellationToken)
    {
        var result = new List<PersistentRepr>();
        lock (_gate)
        {
            if (_byPid.TryGetValue(persistenceId, out List<int>? list))
            {
                foreach (int index in list)
                {
                    PersistentRepr row = _rows[index];
                    if (row.SequenceNr >= fromSequenceNr && row.SequenceNr <= toSequenceNr && !row.Deleted)
                    {
                        result.Add(row);
                        if (result.Count == max)
                        {
                            break;
                        }
                    }
                }
            }
        }

        return Task.FromResult(result);
    }

    protected override Task<long> ReadHighestSequenceNrCoreAsync(string persistenceId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(LastOf(persistenceId));
        }
    }

    protected override Task DeleteToCoreAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_byPid.TryGetValue(persistenceId, out List<int>? list))
            {
                foreach (int index in list)
                {
                    if (_rows[index].SequenceNr <= toSequenceNr)
                    {
                        _rows[index] = _rows[index] with { Deleted = true };
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    protected override Task<List<PersistentRepr>> ReadRowsByOffsetAsync(long afterOffset, int max, CancellationToken cancellationToken)
    {
        var result = new List<PersistentRepr>();
        lock (_gate)
        {
            for (long i = Math.Max(0, afterOffset); i < _rows.Count && result.Count < max; i++)
            {
                result.Add(_rows[(int)i]);
            }
        }

        return Task.FromResult(result);
    }

    protected override Task<List<string>> ReadPersistenceIdsAsync(string? after, int max, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        lock (_gate)
        {
            foreach (string id in _byPid.Keys)
            {
                if (after is null || string.CompareOrdinal(id, after) > 0)
                {
                    ids.Add(id);
                }
            }
        }

        ids.Sort(StringComparer.Ordinal);
        if (ids.Count > max)
        {
            ids.RemoveRange(max, ids.Count - max);
        }

        return Task.FromResult(ids);
    }

    protected override Task<long> ReadHighestOffsetCoreAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult((long)_rows.Count);
        }
    }

    protected override Task<long> FenceCoreAsync(string fenceKey, long epoch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            long current = _fences.GetValueOrDefault(fenceKey);
            if (epoch > current)
            {
                _fences[fenceKey] = current = epoch;
            }

            return Task.FromResult(current);
        }
    }

    protected override ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    private long LastOf(string persistenceId) =>
        _byPid.TryGetValue(persistenceId, out List<int>? list) && list.Count > 0 ? _rows[list[^1]].SequenceNr : 0;
}
