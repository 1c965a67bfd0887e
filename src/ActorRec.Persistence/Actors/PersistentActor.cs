using ActorRec.Actors;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Serialization;
using ActorRec.Persistence.Snapshots;
using Microsoft.Extensions.Logging;

namespace ActorRec.Persistence.Actors;

/// <summary>
/// Base of event-sourced actors: state is rebuilt from the latest snapshot plus the events after it, and every change
/// is an event persisted before it is applied.
/// </summary>
/// <remarks>
/// <para><b>Life.</b> PreStart claims the persistence id (one live incarnation per id per runtime, else the actor
/// fails to start with <see cref="PersistenceIdInUseException"/>) and starts recovery on a background task: it loads
/// the snapshot and pages through the journal, deserializing off the actor thread, and sends the results to the actor
/// in batches; the actor applies them with <see cref="ReceiveRecover"/>. Commands arriving meanwhile are stashed.
/// Then <see cref="OnRecoveryCompleted"/> runs and the stash is replayed.</para>
/// <para><b>Persist.</b> <see cref="Persist{TEvent}"/>/<see cref="PersistAll{TEvent}"/> inside a command handler only
/// queue events; when the handler returns they go to the journal (group-committed with other actors) and the actor
/// stashes further commands. Each handler runs only after its write is durable, in order, with the original sender.
/// Commands the actor declares read-only with <see cref="IsReadOnlyQuery"/> are the exception: they are answered at
/// once, even while a write is in flight, from the state of the last durable write (a handler runs only after its
/// write is durable, so the state never holds an event that could still be lost). A reader therefore never waits
/// behind a journal commit; what it reads is exactly what an acknowledged writer has been told is stored.
/// If a write fails, no handler of it runs, <see cref="OnPersistFailure"/> is called and the actor stops: its state
/// never runs ahead of the journal; a restarted incarnation recovers from what was stored.</para>
/// <para><b>Snapshots</b> are taken every <c>snapshot.every</c> events, on <see cref="PassivateEntity"/> (when
/// <c>snapshot.on-passivation</c>), and on <see cref="TakeSnapshot"/> or <see cref="SaveSnapshot"/>. With
/// <c>snapshot.delete-events</c> the events a saved snapshot covers are deleted. Saving does not block commands.</para>
/// <para>Internal messages carry a per-instance token, so replies to a previous incarnation (after a restart) are ignored.</para>
/// </remarks>
public abstract partial class PersistentActor : ActorBase
{
    // Memory: an idle persistent actor keeps no collections. The stash and the pending-write lists are allocated when
    // first needed and handed over (not copied) to the write in flight; the logger is fetched only to report a
    // failure; the persistence id is computed once; the actor itself is the token of its internal messages.
    private const int InitialRecoveryCapacity = 16;
    private readonly PersistenceRuntime _runtime;
    private IStash? _stash;
    private List<AtomicWrite>? _writes;
    private List<Invocation>? _invocations;
    private string? _persistenceId;
    private List<Invocation>? _inFlight;
    private int _inFlightWrites;
    private Phase _phase = Phase.Recovering;
    private long _nextSequenceNr = 1;
    private long _eventsSinceSnapshot;
    private bool _snapshotInFlight;
    private bool _stopAfterSnapshot;
    private bool _acquired;
    private bool _answeringQuery;

    protected PersistentActor(PersistenceRuntime runtime)
    {
        _runtime = runtime ?? throw new ArgumentNullException(nameof(runtime));
    }

    private enum Phase
    {
        Recovering,
        Running,
        Stopping,
    }

    /// <summary>The stable id of this entity in the journal.</summary>
    public abstract string PersistenceId { get; }

    /// <summary>Sequence number of the last event applied (recovered or persisted and handled).</summary>
    public long LastSequenceNr { get; private set; }

    public bool IsRecovering => _phase == Phase.Recovering;

    /// <summary>
    /// Fencing epoch written with every event (the shard owner's epoch in a cluster; 0 alone). The journal rejects a
    /// write whose epoch is older than the highest stored under <see cref="FenceKey"/> with
    /// <see cref="JournalFencedException"/>, and the actor stops like on any failed write.
    /// </summary>
    protected virtual long WriterEpoch => 0;

    /// <summary>Key the <see cref="WriterEpoch"/> is checked under: null = the persistence id; a shard's key lets
    /// <see cref="IJournal.FenceAsync"/> fence every entity of the shard at once.</summary>
    protected virtual string? FenceKey => null;

    protected PersistenceRuntime Runtime => _runtime;

    /// <summary><see cref="PersistenceId"/>, computed once (ids are often built by concatenation).</summary>
    private string Pid => _persistenceId ??= PersistenceId;

    private ILogger Log => Context.Log;

    /// <summary>Handles a command (after recovery). Return false for unhandled messages.</summary>
    protected abstract bool ReceiveCommand(object message);

    /// <summary>Applies a recovered event to the state (the same code the persist handlers use).</summary>
    protected abstract void ReceiveRecover(object @event);

    /// <summary>The state to snapshot (a registered serializable type), or null if this actor takes no snapshots.</summary>
    protected virtual object? GetSnapshotState() => null;

    /// <summary>Restores the state from a snapshot at the start of recovery.</summary>
    protected virtual void ApplySnapshot(object state)
    {
    }

    protected virtual void OnRecoveryCompleted()
    {
    }

    /// <summary>
    /// True for a command that only reads the state (it must neither persist nor change what is journaled): while a
    /// write is in flight it is answered at once from the last durable state instead of waiting in the stash. During
    /// recovery it is stashed like any command. A query that calls <see cref="Persist{TEvent}"/> fails.
    /// </summary>
    protected virtual bool IsReadOnlyQuery(object message) => false;

    /// <summary>Called when recovery failed; the actor stops afterwards. The default logs the error.</summary>
    protected virtual void OnRecoveryFailure(RecoveryFailedException cause) => LogRecoveryFailed(Log, Pid, cause.SequenceNr, cause);

    /// <summary>Called when a write failed; no handler of it ran and the actor stops afterwards. The default logs the error.</summary>
    protected virtual void OnPersistFailure(Exception cause, long sequenceNr) => LogPersistFailed(Log, Pid, sequenceNr, cause);

    protected virtual void OnSnapshotSaved(long sequenceNr)
    {
    }

    /// <summary>Persists one event; <paramref name="handler"/> runs after it is durable.</summary>
    protected void Persist<TEvent>(TEvent @event, Action<TEvent> handler)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(handler);
        EnsureRunning();
        PersistentRepr repr = ToRepr(@event);
        var writes = _writes ??= [];
        writes.Add(new AtomicWrite(repr, FenceKey));
        (_invocations ??= []).Add(new Invocation<TEvent>(@event, handler, repr.SequenceNr, writes.Count - 1));
    }

    /// <summary>Persists events atomically (all or none); <paramref name="handler"/> runs for each after the write is durable.</summary>
    protected void PersistAll<TEvent>(IReadOnlyList<TEvent> events, Action<TEvent> handler)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(handler);
        EnsureRunning();
        if (events.Count == 0)
        {
            return;
        }

        var reprs = new PersistentRepr[events.Count];
        for (int i = 0; i < reprs.Length; i++)
        {
            reprs[i] = ToRepr(events[i]);
        }

        var writes = _writes ??= [];
        writes.Add(new AtomicWrite(reprs, FenceKey));
        var invocations = _invocations ??= new List<Invocation>(reprs.Length);
        for (int i = 0; i < reprs.Length; i++)
        {
            invocations.Add(new Invocation<TEvent>(events[i], handler, reprs[i].SequenceNr, writes.Count - 1));
        }
    }

    /// <summary>Saves a snapshot of <see cref="GetSnapshotState"/> at <see cref="LastSequenceNr"/> (no-op without state).</summary>
    protected void SaveSnapshot()
    {
        if (_snapshotInFlight || LastSequenceNr == 0 || GetSnapshotState() is not { } state)
        {
            return;
        }

        SerializedPayload payload = _runtime.Registry.Serialize(state);
        var record = new SnapshotRecord(Pid, LastSequenceNr, _runtime.Time.GetUtcNow().ToUnixTimeMilliseconds(),
            payload.Manifest, payload.Version, payload.Bytes);
        _snapshotInFlight = true;
        _eventsSinceSnapshot = 0;
        _ = SaveSnapshotAsync(record, Self);
    }

    protected sealed override bool Receive(object message) => ReceiveCommand(message);

    protected override bool AroundReceive(object message)
    {
        if (message is IPersistenceInternal internalMessage)
        {
            if (ReferenceEquals(internalMessage.Token, this))
            {
                HandleInternal(internalMessage);
            }

            return true;
        }

        if (_phase != Phase.Running || _inFlight is not null)
        {
            if (_phase == Phase.Running && IsReadOnlyQuery(message))
            {
                return AnswerQuery(message);
            }

            (_stash ??= Context.CreateStash()).Stash();
            return true;
        }

        if (message is TakeSnapshot)
        {
            SaveSnapshot();
            return true;
        }

        if (message is PassivateEntity)
        {
            Passivate();
            return true;
        }

        bool handled = ReceiveCurrent(message);
        Flush();
        return handled;
    }

    protected override void PreStart()
    {
        _runtime.Incarnations.Acquire(Pid, this);
        _acquired = true;
        _ = RecoverAsync(Self);
    }

    protected override void PostStop()
    {
        if (_acquired)
        {
            _runtime.Incarnations.Release(Pid, this);
            _acquired = false;
        }
    }

    private bool AnswerQuery(object message)
    {
        _answeringQuery = true;
        try
        {
            return ReceiveCurrent(message);
        }
        finally
        {
            _answeringQuery = false;
        }
    }

    private void HandleInternal(IPersistenceInternal message)
    {
        switch (message)
        {
            case RecoveredSnapshot s:
                ApplySnapshot(s.State);
                LastSequenceNr = s.SequenceNr;
                break;
            case RecoveredEvents batch:
                ApplyRecovered(batch);
                break;
            case RecoveryFinished done:
                LastSequenceNr = Math.Max(LastSequenceNr, done.HighestSequenceNr);
                _nextSequenceNr = LastSequenceNr + 1;
                _phase = Phase.Running;
                OnRecoveryCompleted();
                Flush();
                if (_inFlight is null)
                {
                    UnstashAll();
                }

                break;
            case RecoveryFailure failure:
                FailRecovery(failure.SequenceNr, failure.Cause);
                break;
            case WriteSucceeded ok:
                OnWriteSucceeded(ok.Index);
                break;
            case WriteFailed failed:
                _phase = Phase.Stopping;
                OnPersistFailure(failed.Cause, failed.SequenceNr);
                Context.System.EventStream.Publish(new PersistenceFailure(Pid, failed.SequenceNr, "persist", failed.Cause));
                Context.Stop(Self);
                break;
            case SnapshotDone snap:
                _snapshotInFlight = false;
                if (snap.Cause is null)
                {
                    OnSnapshotSaved(snap.SequenceNr);
                    Context.System.EventStream.Publish(new SnapshotSaved(Pid, snap.SequenceNr));
                }
                else
                {
                    LogSnapshotFailed(Log, Pid, snap.SequenceNr, snap.Cause);
                }

                if (_stopAfterSnapshot)
                {
                    Context.Stop(Self);
                }

                break;
        }
    }

    private void ApplyRecovered(RecoveredEvents batch)
    {
        if (_phase != Phase.Recovering)
        {
            return;
        }

        for (int i = 0; i < batch.Events.Length; i++)
        {
            try
            {
                ReceiveRecover(batch.Events[i]);
            }
            catch (Exception ex)
            {
                FailRecovery(batch.SequenceNrs[i], ex);
                return;
            }

            LastSequenceNr = batch.SequenceNrs[i];
            _eventsSinceSnapshot++;
        }
    }

    private void FailRecovery(long sequenceNr, Exception cause)
    {
        _phase = Phase.Stopping;
        var error = cause as RecoveryFailedException ?? new RecoveryFailedException(Pid, sequenceNr, cause);
        OnRecoveryFailure(error);
        Context.System.EventStream.Publish(new PersistenceFailure(Pid, error.SequenceNr, "recovery", error));
        Context.Stop(Self);
    }

    private void OnWriteSucceeded(int index)
    {
        List<Invocation>? invocations = _inFlight;
        if (invocations is null || _phase != Phase.Running)
        {
            return;
        }

        foreach (Invocation invocation in invocations)
        {
            if (invocation.WriteIndex == index)
            {
                LastSequenceNr = invocation.SequenceNr;
                _eventsSinceSnapshot++;
                invocation.Invoke();
            }
        }

        if (--_inFlightWrites > 0)
        {
            return;
        }

        _inFlight = null;
        if (_runtime.Settings.SnapshotEvery > 0 && _eventsSinceSnapshot >= _runtime.Settings.SnapshotEvery)
        {
            SaveSnapshot();
        }

        Flush();
        if (_inFlight is null)
        {
            UnstashAll();
        }
    }

    private void Flush()
    {
        if (_writes is not { Count: > 0 } pending || _inFlight is not null)
        {
            return;
        }

        var writes = pending.ToArray();
        _inFlight = _invocations;
        _inFlightWrites = writes.Length;
        _writes = null;
        _invocations = null;
        if (_runtime.Journal is JournalBase journal)
        {
            // The journal's writer tells this actor directly (no task, no thread-pool hop per write).
            var completion = new WriteCompletion(this, writes, Self, Sender);
            for (int i = 0; i < writes.Length; i++)
            {
                journal.Enqueue(writes[i], completion, i);
            }

            return;
        }

        _ = WriteAsync(writes, Self, Sender);
    }

    /// <summary>Hands every stashed command back to the mailbox and drops the (now empty) stash.</summary>
    private void UnstashAll()
    {
        if (_stash is { } stash)
        {
            _stash = null;
            stash.UnstashAll();
        }
    }

    private void Passivate()
    {
        _phase = Phase.Stopping;
        if (_runtime.Settings.SnapshotOnPassivation && _eventsSinceSnapshot > 0 && !_snapshotInFlight)
        {
            SaveSnapshot();
        }

        if (_snapshotInFlight)
        {
            _stopAfterSnapshot = true;
        }
        else
        {
            Context.Stop(Self);
        }
    }

    private void EnsureRunning()
    {
        if (_answeringQuery)
        {
            throw new InvalidOperationException($"'{Pid}' cannot persist while answering a read-only query.");
        }

        if (_phase != Phase.Running)
        {
            throw new InvalidOperationException($"'{Pid}' cannot persist while {_phase.ToString().ToLowerInvariant()}.");
        }
    }

    private PersistentRepr ToRepr(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        SerializedPayload payload = _runtime.Registry.Serialize(@event);
        return new PersistentRepr(Pid, _nextSequenceNr++, payload.Manifest, payload.Version, payload.Bytes,
            _runtime.Time.GetUtcNow().ToUnixTimeMilliseconds(), WriterEpoch);
    }

    private async Task WriteAsync(AtomicWrite[] writes, IActorRef self, IActorRef? sender)
    {
        var tasks = new Task[writes.Length];
        for (int i = 0; i < writes.Length; i++)
        {
            tasks[i] = _runtime.Journal.WriteAsync(writes[i]);
        }

        for (int i = 0; i < tasks.Length; i++)
        {
            try
            {
                await tasks[i].ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                self.Tell(new WriteFailed(this, i, writes[i].LowestSequenceNr, ex), sender);
                return;
            }

            self.Tell(new WriteSucceeded(this, i), sender);
        }
    }

    private async Task RecoverAsync(IActorRef self)
    {
        string pid = Pid;
        long current = 0;
        long failing = 1;
        try
        {
            if (_runtime.Journal is JournalBase journal && journal.IsNeverWritten(pid, _runtime.Snapshots))
            {
                // A new entity (e.g. a user's first event): nothing to read, no snapshot, no events.
                self.Tell(new RecoveryFinished(this, 0), self);
                return;
            }

            SnapshotRecord? snapshot = await _runtime.Snapshots.LoadLatestAsync(pid, SnapshotSelectionCriteria.Latest).ConfigureAwait(false);
            long from = 1;
            if (snapshot is not null)
            {
                failing = snapshot.SequenceNr;
                object state = _runtime.Registry.Deserialize(snapshot.Manifest, snapshot.SchemaVersion, snapshot.Payload);
                self.Tell(new RecoveredSnapshot(this, state, snapshot.SequenceNr), self);
                from = snapshot.SequenceNr + 1;
                current = snapshot.SequenceNr;
                failing = from;
            }

            // Lists grow with what is read: most entities recovered under load are new or short (a read-batch-sized
            // capacity up front cost 64 KiB per recovery, the largest allocation of an event to a new user).
            int size = _runtime.Settings.ReadBatchSize;
            var seqs = new List<long>(Math.Min(size, InitialRecoveryCapacity));
            var events = new List<object>(Math.Min(size, InitialRecoveryCapacity));
            await foreach (PersistentRepr repr in _runtime.Journal.ReplayAsync(pid, from, long.MaxValue, long.MaxValue).ConfigureAwait(false))
            {
                failing = repr.SequenceNr;
                events.Add(_runtime.Registry.Deserialize(repr.Manifest, repr.SchemaVersion, repr.Payload));
                seqs.Add(repr.SequenceNr);
                current = repr.SequenceNr;
                failing = current + 1;
                if (events.Count == size)
                {
                    self.Tell(new RecoveredEvents(this, seqs.ToArray(), events.ToArray()), self);
                    seqs.Clear();
                    events.Clear();
                }
            }

            if (events.Count > 0)
            {
                self.Tell(new RecoveredEvents(this, seqs.ToArray(), events.ToArray()), self);
            }

            long highest = await _runtime.Journal.ReadHighestSequenceNrAsync(pid).ConfigureAwait(false);
            self.Tell(new RecoveryFinished(this, Math.Max(highest, current)), self);
        }
        catch (Exception ex)
        {
            long seq = ex is JournalException je ? je.SequenceNr : failing;
            self.Tell(new RecoveryFailure(this, seq, new RecoveryFailedException(pid, seq, ex)), self);
        }
    }

    private async Task SaveSnapshotAsync(SnapshotRecord record, IActorRef self)
    {
        try
        {
            await _runtime.Snapshots.SaveAsync(record).ConfigureAwait(false);
            if (_runtime.Settings.DeleteEventsOnSnapshot)
            {
                await _runtime.Journal.DeleteToAsync(record.PersistenceId, record.SequenceNr).ConfigureAwait(false);
            }

            self.Tell(new SnapshotDone(this, record.SequenceNr, null), self);
        }
        catch (Exception ex)
        {
            self.Tell(new SnapshotDone(this, record.SequenceNr, ex), self);
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error, Message = "Recovery of {PersistenceId} failed at sequence number {SequenceNr}; stopping")]
    private static partial void LogRecoveryFailed(ILogger logger, string persistenceId, long sequenceNr, Exception error);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "Persisting {PersistenceId} at sequence number {SequenceNr} failed; stopping")]
    private static partial void LogPersistFailed(ILogger logger, string persistenceId, long sequenceNr, Exception error);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Snapshot of {PersistenceId} at {SequenceNr} failed")]
    private static partial void LogSnapshotFailed(ILogger logger, string persistenceId, long sequenceNr, Exception error);

    private abstract class Invocation(long sequenceNr, int writeIndex)
    {
        public long SequenceNr { get; } = sequenceNr;

        public int WriteIndex { get; } = writeIndex;

        public abstract void Invoke();
    }

    private sealed class Invocation<TEvent>(TEvent @event, Action<TEvent> handler, long sequenceNr, int writeIndex)
        : Invocation(sequenceNr, writeIndex)
    {
        public override void Invoke() => handler(@event);
    }
}
