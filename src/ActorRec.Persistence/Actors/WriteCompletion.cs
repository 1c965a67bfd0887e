using ActorRec.Actors;
using ActorRec.Persistence.Journal;

namespace ActorRec.Persistence.Actors;

/// <summary>
/// Turns the journal's per-write outcomes of one flush of a persistent actor into <see cref="WriteSucceeded"/> /
/// <see cref="WriteFailed"/> messages to the actor, in write order, stopping at the first failure (the same messages
/// the task-based path sends). The writes of one flush share one persistence id, so the journal reports them one
/// after the other and in order (the only exception: a journal closed between two writes of one flush reports the
/// later one at once; the actor then stops on its <see cref="WriteFailed"/> anyway).
/// </summary>
internal sealed class WriteCompletion(object token, AtomicWrite[] writes, IActorRef self, IActorRef? sender) : IWriteCallback
{
    private bool _failed;

    public void OnWriteCompleted(int index, Exception? error)
    {
        if (_failed)
        {
            return;
        }

        if (error is null)
        {
            self.Tell(new WriteSucceeded(token, index), sender);
            return;
        }

        _failed = true;
        self.Tell(new WriteFailed(token, index, writes[index].LowestSequenceNr, error), sender);
    }
}
