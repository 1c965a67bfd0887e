namespace ActorRec.Persistence.Journal;

/// <summary>
/// Receives the outcome of writes queued with <see cref="JournalBase.Enqueue"/>: called once per write, on the journal's
/// writer thread right after the write's transaction finished, so it must be quick and must never block.
/// </summary>
internal interface IWriteCallback
{
    /// <param name="index">The index the write was queued with.</param>
    /// <param name="error">Null when the write is durable; else why it was not stored.</param>
    void OnWriteCompleted(int index, Exception? error);
}
