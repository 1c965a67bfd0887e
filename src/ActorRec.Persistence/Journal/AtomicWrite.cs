namespace ActorRec.Persistence.Journal;

/// <summary>
/// Events of one persistence id that are stored all together or not at all, with contiguous sequence numbers.
/// </summary>
/// <remarks>
/// <b>Fencing.</b> The events' <see cref="PersistentRepr.WriterEpoch"/> is checked against the highest epoch stored
/// under <see cref="FenceKey"/> (the persistence id, or a shard key shared by many ids): an older epoch is rejected with
/// <see cref="JournalFencedException"/>, a newer one raises the stored epoch with the write.
/// </remarks>
public sealed class AtomicWrite
{
    private readonly string? _fenceKey;

    /// <param name="events">One or more events of one persistence id, contiguous sequence numbers, one writer epoch.</param>
    /// <param name="fenceKey">Key the writer epoch is checked under (null = the persistence id).</param>
    public AtomicWrite(IReadOnlyList<PersistentRepr> events, string? fenceKey = null)
    {
        if (fenceKey is { Length: 0 })
        {
            throw new ArgumentException("A fence key must not be empty (null means the persistence id).", nameof(fenceKey));
        }

        _fenceKey = fenceKey;
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("An atomic write needs at least one event.", nameof(events));
        }

        string pid = events[0].PersistenceId;
        long bytes = 0;
        for (int i = 0; i < events.Count; i++)
        {
            PersistentRepr e = events[i];
            ArgumentNullException.ThrowIfNull(e, nameof(events));
            if (!string.Equals(e.PersistenceId, pid, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"All events of an atomic write must share one persistence id ('{pid}' vs '{e.PersistenceId}').", nameof(events));
            }

            if (e.SequenceNr < 1)
            {
                throw new ArgumentException($"Sequence numbers start at 1 ('{pid}' has {e.SequenceNr}).", nameof(events));
            }

            if (i > 0 && e.SequenceNr != events[i - 1].SequenceNr + 1)
            {
                throw new ArgumentException(
                    $"Sequence numbers in an atomic write must be contiguous ('{pid}': {events[i - 1].SequenceNr} then {e.SequenceNr}).",
                    nameof(events));
            }

            if (e.WriterEpoch != events[0].WriterEpoch)
            {
                throw new ArgumentException($"All events of an atomic write must carry one writer epoch ('{pid}').", nameof(events));
            }

            bytes += e.Payload.Length;
        }

        Events = events;
        PayloadBytes = bytes;
    }

    public AtomicWrite(PersistentRepr single, string? fenceKey = null)
        : this([single], fenceKey)
    {
    }

    public string PersistenceId => Events[0].PersistenceId;

    public long LowestSequenceNr => Events[0].SequenceNr;

    public long HighestSequenceNr => Events[^1].SequenceNr;

    public long WriterEpoch => Events[0].WriterEpoch;

    /// <summary>Key the writer epoch is checked and raised under: the one given, else the persistence id.</summary>
    public string FenceKey => _fenceKey ?? Events[0].PersistenceId;

    public IReadOnlyList<PersistentRepr> Events { get; }

    public long PayloadBytes { get; }
}
