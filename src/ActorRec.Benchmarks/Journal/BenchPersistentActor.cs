using System.Diagnostics;
using ActorRec.Actors;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.Journal;

namespace ActorRec.Benchmarks.Journal;

/// <summary>The event the benchmark persists: a sequence value and an opaque body of the configured size.</summary>
public sealed record BenchEvent(long Value, byte[] Body);

/// <summary>Counts actors reaching a point (ready, done) and completes a task when all did.</summary>
internal sealed class BenchLatch(int count)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining = count;

    public Task Done => _done.Task;

    public void Signal()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }

    /// <summary>Fails the latch: whoever awaits <see cref="Done"/> gets <paramref name="error"/> instead of waiting for
    /// an actor that stopped.</summary>
    public void Fail(Exception error) => _done.TrySetException(error);
}

internal sealed record StartPersisting(int Count, BenchLatch Done);

/// <summary>
/// Persists <see cref="StartPersisting.Count"/> events one after the other: the next Persist is issued by the handler
/// of the previous one, so each actor has exactly one write in flight (the worst case for a journal without group
/// commit). Records each persist's latency (Persist call → handler) into its own array.
/// </summary>
internal sealed class BenchPersistentActor : PersistentActor
{
    private readonly BenchLatch _ready;
    private readonly byte[] _body;
    private readonly Action<BenchEvent> _onPersisted;
    private double[] _latenciesMs = [];
    private int _done;
    private int _target;
    private long _started;
    private BenchLatch? _finished;

    public BenchPersistentActor(PersistenceRuntime runtime, string persistenceId, BenchLatch ready, int payloadBytes)
        : base(runtime)
    {
        PersistenceId = persistenceId;
        _ready = ready;
        _body = new byte[payloadBytes];
        _onPersisted = OnPersisted;
    }

    public override string PersistenceId { get; }

    /// <summary>Latencies of this actor's persists (valid after its done latch fired).</summary>
    public double[] LatenciesMs => _latenciesMs;

    public static Props Props(PersistenceRuntime runtime, string persistenceId, BenchLatch ready, int payloadBytes, List<BenchPersistentActor> created) =>
        ActorRec.Actors.Props.Create(() =>
        {
            var actor = new BenchPersistentActor(runtime, persistenceId, ready, payloadBytes);
            lock (created)
            {
                created.Add(actor);
            }

            return actor;
        });

    protected override bool ReceiveCommand(object message)
    {
        if (message is not StartPersisting start)
        {
            return false;
        }

        _target = start.Count;
        _finished = start.Done;
        _latenciesMs = new double[start.Count];
        _done = 0;
        PersistNext();
        return true;
    }

    protected override void ReceiveRecover(object @event)
    {
    }

    protected override void OnRecoveryCompleted() => _ready.Signal();

    // A failed recovery or write stops the actor: it will never signal its latch, so fail the latch (and with it the
    // whole run) instead of letting the benchmark wait forever.
    protected override void OnRecoveryFailure(RecoveryFailedException cause)
    {
        base.OnRecoveryFailure(cause);
        _ready.Fail(new JournalBenchFailedException(PersistenceId, "recovery", cause.SequenceNr, cause));
    }

    protected override void OnPersistFailure(Exception cause, long sequenceNr)
    {
        base.OnPersistFailure(cause, sequenceNr);
        var error = new JournalBenchFailedException(PersistenceId, "persist", sequenceNr, cause);
        _finished?.Fail(error);
        _ready.Fail(error);
    }

    private void PersistNext()
    {
        _started = Stopwatch.GetTimestamp();
        Persist(new BenchEvent(LastSequenceNr + 1, _body), _onPersisted);
    }

    private void OnPersisted(BenchEvent e)
    {
        _latenciesMs[_done++] = Stopwatch.GetElapsedTime(_started).TotalMilliseconds;
        if (_done < _target)
        {
            PersistNext();
        }
        else
        {
            _finished!.Signal();
        }
    }
}
