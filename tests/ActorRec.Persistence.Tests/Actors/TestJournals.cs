using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Testing;

namespace ActorRec.Persistence.Tests.Actors;

/// <summary>Wraps a journal: holds writes until <see cref="Open"/>, or fails the write that contains a chosen sequence number.</summary>
public sealed class ControlledJournal(IJournal inner) : ForwardingJournal(inner)
{
    private readonly TaskCompletionSource _writeArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _gate = CompletedSource();

    public long FailAtSequenceNr { get; set; } = -1;

    /// <summary>When set, every replay throws this error (a recovery that fails).</summary>
    public Exception? ReplayError { get; set; }

    public Task WriteArrived => _writeArrived.Task;

    public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open() => _gate.TrySetResult();

    public override async Task WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default)
    {
        _writeArrived.TrySetResult();
        await _gate.Task;
        if (write.LowestSequenceNr <= FailAtSequenceNr && FailAtSequenceNr <= write.HighestSequenceNr)
        {
            throw new IOException($"disk full writing {write.PersistenceId}#{FailAtSequenceNr}");
        }

        await Inner.WriteAsync(write, cancellationToken);
    }

    public override IAsyncEnumerable<PersistentRepr> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        CancellationToken cancellationToken = default) => ReplayError is null
        ? Inner.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max, cancellationToken)
        : FailingReplay(ReplayError);

#pragma warning disable CS1998 // an iterator that fails before its first element
    private static async IAsyncEnumerable<PersistentRepr> FailingReplay(Exception error)
    {
        throw error;
#pragma warning disable CS0162 // unreachable: makes the method an iterator
        yield break;
#pragma warning restore CS0162
    }
#pragma warning restore CS1998

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}
