namespace ActorRec.Persistence.Journal;

/// <summary>Base of journal failures that concern one persistence id at one sequence number.</summary>
public class JournalException : Exception
{
    public JournalException(string persistenceId, long sequenceNr, string message, Exception? inner = null)
        : base(message, inner)
    {
        PersistenceId = persistenceId;
        SequenceNr = sequenceNr;
    }

    public string PersistenceId { get; }

    public long SequenceNr { get; }
}

/// <summary>The sequence number is already taken: another writer persisted for this id (or a retry duplicated it).</summary>
public sealed class SequenceConflictException : JournalException
{
    public SequenceConflictException(string persistenceId, long sequenceNr, long highestStored, Exception? inner = null)
        : base(persistenceId, sequenceNr,
            $"Sequence conflict for '{persistenceId}': write starts at {sequenceNr} but {highestStored} is already stored (concurrent writer?).",
            inner)
    {
        HighestStored = highestStored;
    }

    public long HighestStored { get; }
}

/// <summary>The write would leave a hole in the sequence of its persistence id.</summary>
public sealed class SequenceGapException : JournalException
{
    public SequenceGapException(string persistenceId, long sequenceNr, long highestStored)
        : base(persistenceId, sequenceNr,
            $"Sequence gap for '{persistenceId}': write starts at {sequenceNr} but the highest stored is {highestStored} (expected {highestStored + 1}).")
    {
        HighestStored = highestStored;
    }

    public long HighestStored { get; }
}

/// <summary>
/// A write (or a fence) carried a writer epoch older than the highest one already stored for its fence key: a newer
/// owner took over the persistence id (or its shard), so this writer is stale and must stop.
/// </summary>
public sealed class JournalFencedException : JournalException
{
    public JournalFencedException(string persistenceId, long sequenceNr, string fenceKey, long writerEpoch, long currentEpoch)
        : base(persistenceId, sequenceNr, Describe(persistenceId, sequenceNr, fenceKey, writerEpoch, currentEpoch))
    {
        FenceKey = fenceKey;
        WriterEpoch = writerEpoch;
        CurrentEpoch = currentEpoch;
    }

    /// <summary>The key the epochs are kept under (the persistence id itself unless the write named a shard key).</summary>
    public string FenceKey { get; }

    /// <summary>The epoch the rejected writer carried.</summary>
    public long WriterEpoch { get; }

    /// <summary>The highest epoch stored for <see cref="FenceKey"/>.</summary>
    public long CurrentEpoch { get; }

    private static string Describe(string persistenceId, long sequenceNr, string fenceKey, long writerEpoch, long currentEpoch)
    {
        string key = string.Equals(fenceKey, persistenceId, StringComparison.Ordinal) ? string.Empty : $" (fence key '{fenceKey}')";
        string at = sequenceNr > 0 ? $" at sequence {sequenceNr}" : string.Empty;
        return $"Write to '{persistenceId}'{at} fenced{key}: writer epoch {writerEpoch} is older than the current epoch {currentEpoch}.";
    }
}

/// <summary>A stored row does not match its checksum (altered or truncated).</summary>
public sealed class JournalCorruptionException : JournalException
{
    public JournalCorruptionException(string persistenceId, long sequenceNr, uint stored, uint computed)
        : base(persistenceId, sequenceNr,
            $"Corrupted journal row '{persistenceId}' #{sequenceNr}: stored checksum {stored:x8}, computed {computed:x8}.")
    {
    }
}

/// <summary>Recovery of a persistent entity failed (journal, snapshot or event handler).</summary>
public sealed class RecoveryFailedException : JournalException
{
    public RecoveryFailedException(string persistenceId, long sequenceNr, Exception inner)
        : base(persistenceId, sequenceNr, $"Recovery of '{persistenceId}' failed at sequence number {sequenceNr}: {inner.Message}", inner)
    {
    }
}
