using ActorRec.Actors;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.Serialization;

namespace ActorRec.Persistence.Tests.Actors;

public sealed record Add(int Amount);

public sealed record AddMany(int[] Amounts);

public sealed record Added(int Amount);

public sealed record CounterState(int Total, int Count);

public sealed record Ack(int Total, long SequenceNr);

public sealed class GetState
{
    private GetState()
    {
    }

    public static GetState Instance { get; } = new();
}

/// <summary>A read-only query: answered at once from the last durable state, even while a write is in flight.</summary>
public sealed record Peek;

/// <summary>A query that (wrongly) tries to persist: answered with the error it gets.</summary>
public sealed record PeekAndAdd(int Amount);

public sealed record StateReply(int Total, int Count, long LastSequenceNr, int RecoveredEvents, bool FromSnapshot);

/// <summary>Counts the handler runs of every counter (so tests can see a handler did NOT run yet).</summary>
public sealed class HandlerLog
{
    private int _runs;

    public int Runs => Volatile.Read(ref _runs);

    public void Ran() => Interlocked.Increment(ref _runs);
}

/// <summary>A persistent counter used by the actor tests (and by the tooling tests as the replayed entity).</summary>
public sealed class CounterActor : PersistentActor
{
    private readonly HandlerLog _log;
    private CounterState _state = new(0, 0);
    private int _recovered;
    private bool _fromSnapshot;

    public CounterActor(PersistenceRuntime runtime, string id, HandlerLog log, long writerEpoch = 0, string? fenceKey = null)
        : base(runtime)
    {
        PersistenceId = id;
        _log = log;
        WriterEpoch = writerEpoch;
        FenceKey = fenceKey;
    }

    public override string PersistenceId { get; }

    protected override long WriterEpoch { get; }

    protected override string? FenceKey { get; }

    public static EventSerializerRegistry NewRegistry() => new EventSerializerRegistry()
        .Register<Added>("test.added", 1, static (w, e) => w.Write(e.Amount), static r => new Added(r.ReadInt32()))
        .Register<CounterState>("test.counter-state", 1, static (w, s) =>
        {
            w.Write(s.Total);
            w.Write(s.Count);
        }, static r => new CounterState(r.ReadInt32(), r.ReadInt32()));

    /// <summary>The entity's own transition function (used by the actor and by journal replay tooling).</summary>
    public static CounterState Apply(CounterState state, object @event) => @event switch
    {
        Added a => new CounterState(state.Total + a.Amount, state.Count + 1),
        _ => throw new InvalidOperationException($"Unknown counter event {@event.GetType().Name}."),
    };

    public static Props Props(PersistenceRuntime runtime, string id, HandlerLog log, long writerEpoch = 0, string? fenceKey = null) =>
        ActorRec.Actors.Props.Create(() => new CounterActor(runtime, id, log, writerEpoch, fenceKey));

    protected override bool IsReadOnlyQuery(object message) => message is Peek or PeekAndAdd;

    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case Peek:
                Sender?.Tell(new StateReply(_state.Total, _state.Count, LastSequenceNr, _recovered, _fromSnapshot), Self);
                return true;
            case PeekAndAdd peekAndAdd:
                try
                {
                    Persist(new Added(peekAndAdd.Amount), _ => _log.Ran());
                    Sender?.Tell("persisted", Self);
                }
                catch (InvalidOperationException ex)
                {
                    Sender?.Tell(ex.Message, Self);
                }

                return true;
            case Add add:
                Persist(new Added(add.Amount), e =>
                {
                    _state = Apply(_state, e);
                    _log.Ran();
                    Sender?.Tell(new Ack(_state.Total, LastSequenceNr), Self);
                });
                return true;
            case AddMany many:
                var events = new Added[many.Amounts.Length];
                for (int i = 0; i < events.Length; i++)
                {
                    events[i] = new Added(many.Amounts[i]);
                }

                PersistAll(events, e =>
                {
                    _state = Apply(_state, e);
                    _log.Ran();
                    if (ReferenceEquals(e, events[^1]))
                    {
                        Sender?.Tell(new Ack(_state.Total, LastSequenceNr), Self);
                    }
                });
                return true;
            case GetState:
                Sender?.Tell(new StateReply(_state.Total, _state.Count, LastSequenceNr, _recovered, _fromSnapshot), Self);
                return true;
            default:
                return false;
        }
    }

    protected override void ReceiveRecover(object @event)
    {
        _state = Apply(_state, @event);
        _recovered++;
    }

    protected override object? GetSnapshotState() => _state;

    protected override void ApplySnapshot(object state)
    {
        _state = (CounterState)state;
        _fromSnapshot = true;
    }
}
