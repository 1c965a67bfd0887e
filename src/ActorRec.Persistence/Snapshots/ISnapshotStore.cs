using System.Diagnostics;

namespace ActorRec.Persistence.Snapshots;

/// <summary>A stored snapshot of an entity's state after event <see cref="SequenceNr"/>.</summary>
[DebuggerDisplay("{PersistenceId}@{SequenceNr} {Manifest}v{SchemaVersion}")]
public sealed record SnapshotRecord(
    string PersistenceId,
    long SequenceNr,
    long TimestampMs,
    string Manifest,
    int SchemaVersion,
    byte[] Payload)
{
    public uint ComputeChecksum() =>
        Serialization.RowChecksum.Compute(PersistenceId, SequenceNr, Manifest, SchemaVersion, Payload);
}

/// <summary>Which snapshots a load or delete considers: sequence and timestamp bounds, inclusive.</summary>
public sealed record SnapshotSelectionCriteria(
    long MaxSequenceNr = long.MaxValue,
    long MaxTimestampMs = long.MaxValue,
    long MinSequenceNr = 0,
    long MinTimestampMs = 0)
{
    public static SnapshotSelectionCriteria Latest { get; } = new();

    public static SnapshotSelectionCriteria None { get; } = new(MaxSequenceNr: -1);

    public bool Matches(long sequenceNr, long timestampMs) =>
        sequenceNr <= MaxSequenceNr && sequenceNr >= MinSequenceNr && timestampMs <= MaxTimestampMs && timestampMs >= MinTimestampMs;
}

/// <summary>Snapshot store SPI; every plug-in passes the snapshot contract suite (SnapshotStoreSpec).</summary>
public interface ISnapshotStore : IAsyncDisposable
{
    /// <summary>Saves (or replaces) the snapshot at (id, sequence number); completes when durable.</summary>
    Task SaveAsync(SnapshotRecord snapshot, CancellationToken cancellationToken = default);

    /// <summary>The newest snapshot matching the criteria, or null. A corrupted snapshot raises a JournalCorruptionException.</summary>
    Task<SnapshotRecord?> LoadLatestAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default);

    /// <summary>Deletes every snapshot of the id matching the criteria.</summary>
    Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default);
}
