namespace ActorRec.Cluster.Tests.MultiProcess.Scenarios;

/// <summary>One event the load driver sent: its unique id, its user and its video.</summary>
public sealed record SentEvent(string Id, string UserId, string VideoId);

/// <summary>
/// What the cluster promised: every event of a batch answered 202 is <b>acknowledged</b> (durable by the API
/// contract); an event of a batch whose attempt failed without an answer (timeout, reset, 5xx) is <b>in doubt</b>
/// until a retry of the same batch (same ids) is acknowledged, because the failed attempt may have been applied.
/// A batch the driver gave up on stays in doubt: it may or may not be in the journal, and the verifiers accept both.
/// Thread-safe; ids are unique per ledger (a second <see cref="Acknowledge"/> of an id is ignored, as the server
/// ignores a re-sent id).
/// </summary>
public sealed class EventLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<string>> _ackedByUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _ackedByVideo = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SentEvent> _inDoubt = new(StringComparer.Ordinal);
    private readonly HashSet<string> _acked = new(StringComparer.Ordinal);

    /// <summary>Events acknowledged so far.</summary>
    public int AcknowledgedCount
    {
        get
        {
            lock (_gate)
            {
                return _acked.Count;
            }
        }
    }

    /// <summary>Events still in doubt (an attempt failed and no retry was acknowledged).</summary>
    public int InDoubtCount
    {
        get
        {
            lock (_gate)
            {
                return _inDoubt.Count;
            }
        }
    }

    /// <summary>A batch attempt failed without a definite answer: its events may have been applied.</summary>
    public void MarkInDoubt(IReadOnlyList<SentEvent> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_gate)
        {
            foreach (var e in batch)
            {
                if (!_acked.Contains(e.Id))
                {
                    _inDoubt[e.Id] = e;
                }
            }
        }
    }

    /// <summary>The batch was answered 202: every event in it is durable.</summary>
    public void Acknowledge(IReadOnlyList<SentEvent> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_gate)
        {
            foreach (var e in batch)
            {
                _inDoubt.Remove(e.Id);
                if (_acked.Add(e.Id))
                {
                    Add(_ackedByUser, e.UserId, e.Id);
                    Add(_ackedByVideo, e.VideoId, e.Id);
                }
            }
        }
    }

    public bool IsAcknowledged(string eventId)
    {
        lock (_gate)
        {
            return _acked.Contains(eventId);
        }
    }

    /// <summary>Acknowledged event ids per user (a copy).</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> AcknowledgedByUser() => Copy(_ackedByUser);

    /// <summary>Acknowledged event ids per video (a copy).</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> AcknowledgedByVideo() => Copy(_ackedByVideo);

    /// <summary>Events in doubt (a copy).</summary>
    public IReadOnlyList<SentEvent> InDoubt()
    {
        lock (_gate)
        {
            return [.. _inDoubt.Values];
        }
    }

    private IReadOnlyDictionary<string, IReadOnlySet<string>> Copy(Dictionary<string, HashSet<string>> source)
    {
        lock (_gate)
        {
            var copy = new Dictionary<string, IReadOnlySet<string>>(source.Count, StringComparer.Ordinal);
            foreach (var (key, ids) in source)
            {
                copy[key] = new HashSet<string>(ids, StringComparer.Ordinal);
            }

            return copy;
        }
    }

    private static void Add(Dictionary<string, HashSet<string>> index, string key, string id)
    {
        if (!index.TryGetValue(key, out var ids))
        {
            index[key] = ids = new HashSet<string>(StringComparer.Ordinal);
        }

        ids.Add(id);
    }
}
