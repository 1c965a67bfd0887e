namespace ActorRec.Persistence.Actors;

/// <summary>Asks a persistent actor to save a snapshot now (after pending writes).</summary>
public sealed class TakeSnapshot
{
    private TakeSnapshot()
    {
    }

    public static TakeSnapshot Instance { get; } = new();
}

/// <summary>Asks a persistent actor to stop, saving a snapshot first when the policy says so (snapshot.on-passivation).</summary>
public sealed class PassivateEntity
{
    private PassivateEntity()
    {
    }

    public static PassivateEntity Instance { get; } = new();
}

/// <summary>Published on the event stream when a persistent actor fails; it stops right after.</summary>
/// <param name="PersistenceId">The entity.</param>
/// <param name="SequenceNr">The sequence number the failure concerns.</param>
/// <param name="Phase">"recovery" or "persist".</param>
/// <param name="Cause">The error (a <see cref="Journal.RecoveryFailedException"/> for recovery).</param>
public sealed record PersistenceFailure(string PersistenceId, long SequenceNr, string Phase, Exception Cause);

/// <summary>Published on the event stream when a snapshot was saved.</summary>
public sealed record SnapshotSaved(string PersistenceId, long SequenceNr);

internal interface IPersistenceInternal
{
    object Token { get; }
}

internal sealed record RecoveredSnapshot(object Token, object State, long SequenceNr) : IPersistenceInternal;

internal sealed record RecoveredEvents(object Token, long[] SequenceNrs, object[] Events) : IPersistenceInternal;

internal sealed record RecoveryFinished(object Token, long HighestSequenceNr) : IPersistenceInternal;

internal sealed record RecoveryFailure(object Token, long SequenceNr, Exception Cause) : IPersistenceInternal;

internal sealed record WriteSucceeded(object Token, int Index) : IPersistenceInternal;

internal sealed record WriteFailed(object Token, int Index, long SequenceNr, Exception Cause) : IPersistenceInternal;

internal sealed record SnapshotDone(object Token, long SequenceNr, Exception? Cause) : IPersistenceInternal;
