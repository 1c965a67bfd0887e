namespace ActorRec.Benchmarks.Journal;

/// <summary>
/// A persistent actor of the journal benchmark failed (its recovery or a write): the run stops with this error instead of
/// waiting for an actor that will never finish. The message names the persistence id, the phase, the sequence number
/// and the cause.
/// </summary>
public sealed class JournalBenchFailedException(string persistenceId, string phase, long sequenceNr, Exception cause)
    : Exception($"journal bench: persistent actor '{persistenceId}' failed during {phase} at sequence number {sequenceNr}: {cause.GetType().Name}: {cause.Message}", cause)
{
    public string PersistenceId { get; } = persistenceId;

    /// <summary>"recovery" or "persist".</summary>
    public string Phase { get; } = phase;

    public long SequenceNr { get; } = sequenceNr;
}
