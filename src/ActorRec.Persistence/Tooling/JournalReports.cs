namespace ActorRec.Persistence.Tooling;

/// <summary>Progress of a long tool run: rows done out of an estimated total (0 when unknown).</summary>
public readonly record struct JournalProgress(string Stage, long Done, long Total);

/// <summary>Kinds of damage <see cref="JournalTool.VerifyAsync"/> reports.</summary>
public enum DamageKind
{
    /// <summary>The row does not match its checksum (altered or truncated).</summary>
    ChecksumMismatch,

    /// <summary>The sequence of the persistence id skips numbers or does not start at 1.</summary>
    SequenceGap,

    /// <summary>A sequence number repeats or goes backwards in offset order.</summary>
    SequenceOutOfOrder,

    /// <summary>The payload cannot be decoded (unknown manifest or version) while decoding was asked for.</summary>
    Undecodable,
}

/// <summary>One damaged row, named by persistence id and sequence number.</summary>
public sealed record JournalDamage(string PersistenceId, long SequenceNr, long Ordering, DamageKind Kind, string Detail)
{
    public override string ToString() => $"{Kind} at '{PersistenceId}' #{SequenceNr} (offset {Ordering}): {Detail}";
}

/// <summary>Result of a verify run; <see cref="ExitCode"/> is non-zero when anything is damaged.</summary>
public sealed record VerifyReport(long RowsChecked, long PersistenceIds, IReadOnlyList<JournalDamage> Damages)
{
    public bool Ok => Damages.Count == 0;

    public int ExitCode => Ok ? 0 : 2;
}

/// <summary>Replay bound: stop after sequence number <see cref="ToSequenceNr"/> and/or at time <see cref="ToTime"/>.</summary>
public sealed record ReplayTarget(long ToSequenceNr = long.MaxValue, DateTimeOffset? ToTime = null);

/// <summary>Outcome of a replay: the last applied sequence number and the state printed last.</summary>
public sealed record ReplayResult(long LastSequenceNr, int EventsApplied, string FinalState);
