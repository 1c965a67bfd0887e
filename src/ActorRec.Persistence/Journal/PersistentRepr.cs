using System.Diagnostics;

namespace ActorRec.Persistence.Journal;

/// <summary>One journal row: a serialized event of one persistence id at one sequence number.</summary>
/// <param name="PersistenceId">The entity's persistence id.</param>
/// <param name="SequenceNr">1-based, gap-free per persistence id.</param>
/// <param name="Manifest">Schema name of the payload.</param>
/// <param name="SchemaVersion">Schema revision of the payload.</param>
/// <param name="Payload">Serialized event body.</param>
/// <param name="TimestampMs">Unix milliseconds when the event was persisted.</param>
/// <param name="WriterEpoch">Fencing epoch of the writer (0 when fencing is not used).</param>
[DebuggerDisplay("{PersistenceId}#{SequenceNr} {Manifest}v{SchemaVersion} @{Ordering}")]
public sealed record PersistentRepr(
    string PersistenceId,
    long SequenceNr,
    string Manifest,
    int SchemaVersion,
    byte[] Payload,
    long TimestampMs,
    long WriterEpoch = 0)
{
    /// <summary>Global ordering offset assigned by the journal on write (0 before it is stored).</summary>
    public long Ordering { get; init; }

    /// <summary>CRC32C stored with the row (see <see cref="Serialization.RowChecksum"/>).</summary>
    public uint Checksum { get; init; }

    /// <summary>True for rows logically deleted by <see cref="IJournal.DeleteToAsync"/> (only raw scans return them).</summary>
    public bool Deleted { get; init; }

    /// <summary>Checksum this row should carry, computed from its content.</summary>
    public uint ComputeChecksum() =>
        Serialization.RowChecksum.Compute(PersistenceId, SequenceNr, Manifest, SchemaVersion, Payload);
}
