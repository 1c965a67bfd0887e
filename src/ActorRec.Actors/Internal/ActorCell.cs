using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace ActorRec.Actors.Internal;

// Design: one object per actor is at once its reference (IActorRef), its context (IActorContext), its mailbox (the
// MessageQueue struct is a field) and its thread-pool work item (IThreadPoolWorkItem). Tell enqueues and then wins
// the `_scheduled` flag 0 -> 1 with one CAS (only when it reads 0 first, so a busy actor costs producers no CAS);
// the winner queues the cell on the thread pool. Execute processes system messages, then up to `throughput` user
// messages, clears the flag with a full fence (Interlocked.Exchange) and re-checks for work; a producer claims its
// queue slot with a full fence before reading the flag, so one of the two always sees the other (no lost wake-up),
// and the flag guarantees that at most one thread runs the actor. Messages from one sender are enqueued in program
// order into a FIFO queue, which gives the per sender-receiver ordering guarantee.
//
// Hand-off: when an actor's Tell (sender = the running actor) wins an idle receiver's flag, the receiver goes into a
// thread-static slot instead of the pool queue and runs on this thread right after the teller's turn (request/reply
// then costs no queue round trip and no worker wake-up). The slot is flushed to the pool when the teller dequeues
// another message, so a long or blocking turn never holds the receiver back.
//
// `_state` holds lifecycle bits; it changes rarely (with Interlocked) and is read on every message.

[DebuggerDisplay("{Path}")]
internal sealed partial class ActorCell : IActorRef, IActorContext, IThreadPoolWorkItem
{
    internal const int StateNotCreated = 1;
    internal const int StateSuspended = 2;
    internal const int StateAwaitingAsync = 4;
    internal const int StateTerminating = 8;
    internal const int StateTerminated = 16;
    internal const int StateHardTerminating = 32;
    internal const int StateStopRequested = 64;
    internal const int StateRestartPending = 128;
    private const int MaxBatchesPerTurn = 16;
    private const int MaxHandOffsBeforeYield = 64;
    private const int UserBlocked = StateNotCreated | StateSuspended | StateAwaitingAsync | StateTerminating | StateTerminated | StateRestartPending;

    [ThreadStatic]
    private static ActorCell? t_current;

    [ThreadStatic]
    private static ActorCell? t_creating;

    // The idle actor that the running actor woke with its last Tell: run next on this thread (see Execute).
    [ThreadStatic]
    private static ActorCell? t_handoff;

    private static readonly AsyncLocal<ActorCell?> s_asyncCurrent = new();

    private readonly ActorSystem _system;
    private readonly ActorCell? _parent;
    private readonly Props _props;
    private readonly ActorPath _path;
    private readonly MailboxSpec? _bounded;
    private MessageQueue _queue;
    private SystemMessage? _systemMessages;
    private ActorBase? _actor;
    private IActorRef? _sender;
    private object? _currentMessage;
    private CellExtras? _extras;
    private object? _watchers;
    private Queue<Envelope>? _unstashed;
    private int _scheduled;
    private int _state;
    private int _count;

    internal ActorCell(ActorSystem system, ActorCell? parent, Props props, ActorPath path)
    {
        _system = system;
        _parent = parent;
        _props = props;
        _path = path;
        var mailbox = props.Mailbox ?? system.Settings.DefaultMailbox;
        _bounded = mailbox.IsBounded ? mailbox : null;
        _state = StateNotCreated;
    }

    /// <summary>The cell whose actor is being constructed on this thread (read by the ActorBase constructor).</summary>
    internal static ActorCell? Creating => t_creating;

    /// <summary>The cell running on this thread, or the one whose ReceiveAsync continuation is running.</summary>
    internal static ActorCell? ImplicitCell => t_current ?? s_asyncCurrent.Value;

    internal static IActorRef? ImplicitSender => t_current ?? s_asyncCurrent.Value;

    public ActorPath Path => _path;

    public ActorSystem System => _system;

    public IActorRef Self => this;

    public IActorRef? Sender => _sender;

    public IActorRef Parent => (IActorRef?)_parent ?? this;

    internal ActorCell? ParentCell => _parent;

    public Props Props => _props;

    internal object? CurrentMessage => _currentMessage;

    /// <summary>Asks this actor to stop (after its current message); remembered so a restarting parent can wait for it.</summary>
    internal void RequestStop()
    {
        Interlocked.Or(ref _state, StateStopRequested);
        SendSystem(new TerminateMessage());
    }

    internal bool IsStopRequested => (Volatile.Read(ref _state) & StateStopRequested) != 0;

    internal bool HasPendingSystemMessages => Volatile.Read(ref _systemMessages) is not null;

    internal bool IsTerminated => (Volatile.Read(ref _state) & StateTerminated) != 0;

    internal CellExtras Extras => _extras ?? InitExtras();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CellExtras InitExtras()
    {
        Interlocked.CompareExchange(ref _extras, new CellExtras(), null);
        return _extras!;
    }

    internal static ActorCell? AsCell(IActorRef? actorRef) => actorRef switch
    {
        ActorCell cell => cell,
        ICellRef wrapper => wrapper.Cell,
        _ => null,
    };

    // ---------------------------------------------------------------- producer side

    public void Tell(object message, IActorRef? sender)
    {
        if (message is null)
        {
            ThrowNullMessage();
        }
        if ((_state & StateTerminated) != 0)
        {
            _system.DeadLetter(message, sender, this);
            return;
        }
        if (_bounded is { } bounded && Interlocked.Increment(ref _count) > bounded.Capacity)
        {
            Interlocked.Decrement(ref _count);
            Overflow(message, sender, bounded);
            return;
        }
        _queue.Enqueue(message, sender);
        if (Volatile.Read(ref _scheduled) == 0 && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            if (sender is not null && ReferenceEquals(sender, t_current) && t_handoff is null && _system.PreferLocalQueue)
            {
                HandOff();
            }
            else
            {
                Dispatch();
            }
        }
    }

    /// <summary>
    /// An actor told this idle actor from inside its turn: instead of queuing this cell on the thread pool (a queue
    /// round trip and usually a wake-up of another worker), remember it; the running turn hands its thread over to it
    /// when it ends (Execute), or queues it normally as soon as the teller goes on to another message.
    /// </summary>
    private void HandOff()
    {
        if (_system.TrackActivity)
        {
            Interlocked.Increment(ref _system.ActiveCells);
        }
        t_handoff = this;
    }

    /// <summary>Queues a remembered hand-off on the thread pool (the current turn goes on with other work).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FlushHandOff(ActorCell cell)
    {
        t_handoff = null;
        ThreadPool.UnsafeQueueUserWorkItem(cell, preferLocal: true);
    }

    private void Overflow(object message, IActorRef? sender, MailboxSpec bounded)
    {
        if (bounded.Overflow == OverflowPolicy.FailSender)
        {
            throw new MailboxFullException($"The mailbox of {_path} is full ({bounded.Capacity} messages); {message.GetType().Name} was not delivered.");
        }
        _system.DeadLetter(message, sender, this);
    }

    [DoesNotReturn]
    private static void ThrowNullMessage() => throw new ArgumentNullException("message");

    /// <summary>Enqueues a runtime message, ignoring the bound (timer ticks, Terminated, graceful stop).</summary>
    internal void EnqueueInternal(object message)
    {
        if (_bounded is not null)
        {
            Interlocked.Increment(ref _count);
        }
        _queue.Enqueue(message, null);
        ScheduleIfIdle();
    }

    internal void SendSystem(SystemMessage message)
    {
        var head = Volatile.Read(ref _systemMessages);
        while (true)
        {
            message.Next = head;
            var seen = Interlocked.CompareExchange(ref _systemMessages, message, head);
            if (ReferenceEquals(seen, head))
            {
                break;
            }
            head = seen;
        }
        ScheduleIfIdle();
    }

    private void ScheduleIfIdle()
    {
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            Dispatch();
        }
    }

    /// <summary>Schedules the first run, which constructs the actor.</summary>
    internal void Start() => ScheduleIfIdle();

    private void Dispatch() => Dispatch(_system.PreferLocalQueue);

    private void Dispatch(bool preferLocal)
    {
        if (_system.TrackActivity)
        {
            Interlocked.Increment(ref _system.ActiveCells);
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal);
    }

    // ---------------------------------------------------------------- consumer side

    public void Execute()
    {
        var cell = this;
        var hops = 0;
        while (true)
        {
            cell.RunTurn();
            var next = t_handoff;
            if (next is null)
            {
                return;
            }
            t_handoff = null;
            // Fairness: a chain of hand-offs (ping-pong) gives the thread back to the pool now and then when other
            // work waits; the chain itself is a loop, so the stack does not grow.
            if (++hops % MaxHandOffsBeforeYield == 0 && ThreadPool.PendingWorkItemCount != 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(next, preferLocal: false);
                return;
            }
            cell = next;
        }
    }

    private void RunTurn()
    {
        t_current = this;
        try
        {
            var state = _state;
            if ((state & StateAwaitingAsync) == 0)
            {
                if ((state & StateNotCreated) != 0)
                {
                    CreateActor();
                }
                if (_extras?.PendingAsyncFailure is { } asyncFailure)
                {
                    _extras.PendingAsyncFailure = null;
                    HandleInvokeFailure(asyncFailure);
                }
                ProcessSystemMessages();
                state = _state;
                if ((state & UserBlocked) == 0)
                {
                    ProcessUserMessages();
                }
                else if ((state & StateTerminated) != 0)
                {
                    DrainToDeadLetters();
                }
            }
            if (_props.ReleasesIdleMailbox)
            {
                // Still the consumer (the scheduled flag is held): an empty queue gives its ring back.
                _queue.TryRelease();
            }
        }
        finally
        {
            t_current = null;
        }
        Interlocked.Exchange(ref _scheduled, 0);
        if (HasPendingWork() && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            // A busy actor that used up its throughput goes to the back of the global queue: fairness.
            Dispatch(preferLocal: false);
        }
        if (_system.TrackActivity)
        {
            Interlocked.Decrement(ref _system.ActiveCells);
        }
    }

    private bool HasPendingWork()
    {
        var state = Volatile.Read(ref _state);
        if ((state & StateAwaitingAsync) != 0)
        {
            return false;
        }
        if (Volatile.Read(ref _systemMessages) is not null || _extras?.PendingAsyncFailure is not null)
        {
            return true;
        }
        if ((state & StateTerminated) != 0)
        {
            return _queue.HasMessages;
        }
        if ((state & UserBlocked) != 0)
        {
            return false;
        }
        return _queue.HasMessages || _unstashed is { Count: > 0 };
    }

    private void ProcessSystemMessages()
    {
        while ((_state & StateAwaitingAsync) == 0 && Volatile.Read(ref _systemMessages) is not null)
        {
            var list = Interlocked.Exchange(ref _systemMessages, null);
            if (list is null)
            {
                return;
            }
            // The list is newest first: reverse it to process in arrival order.
            SystemMessage? ordered = null;
            while (list is not null)
            {
                var next = list.Next;
                list.Next = ordered;
                ordered = list;
                list = next;
            }
            while (ordered is not null)
            {
                var next = ordered.Next;
                ordered.Next = null;
                HandleSystemMessage(ordered);
                ordered = next;
            }
        }
    }

    /// <summary>
    /// Processes batches of up to <c>throughput</c> messages. After each full batch the actor yields its thread when
    /// other work is waiting in the thread pool; when nothing else waits, rescheduling would only cost a queue round
    /// trip and a thread wake-up, so it goes on with another batch (at most <see cref="MaxBatchesPerTurn"/>).
    /// </summary>
    private void ProcessUserMessages()
    {
        var throughput = _system.Throughput;
        for (var batch = 0; batch < MaxBatchesPerTurn; batch++)
        {
            for (var i = 0; i < throughput; i++)
            {
                object message;
                IActorRef? sender;
                if (_unstashed is { } unstashed)
                {
                    (message, sender) = unstashed.Dequeue();
                    if (unstashed.Count == 0)
                    {
                        _unstashed = null;
                    }
                }
                else if (_queue.TryDequeue(out message, out sender))
                {
                    if (_bounded is not null)
                    {
                        Interlocked.Decrement(ref _count);
                    }
                }
                else
                {
                    ForgetLastMessage();
                    return;
                }
                if (t_handoff is { } handoff)
                {
                    FlushHandOff(handoff);
                }
                Invoke(message, sender);
                if (Volatile.Read(ref _systemMessages) is not null)
                {
                    ProcessSystemMessages();
                }
                if ((_state & UserBlocked) != 0)
                {
                    return;
                }
            }
            if (ThreadPool.PendingWorkItemCount != 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The mailbox is drained: drop the references to the last message and its sender, so an idle actor does not keep
    /// them (and whatever they reach, e.g. an answered ask and its reply) alive. Once per turn, not per message.
    /// </summary>
    private void ForgetLastMessage()
    {
        if (_currentMessage is not null)
        {
            _currentMessage = null;
        }
        if (_sender is not null)
        {
            _sender = null;
        }
    }

    private void Invoke(object message, IActorRef? sender)
    {
        // Written only when changed: a stream of the same message object from the same sender (common in
        // request/reply and benchmarks) then causes no stores to the cell, whose line producers read on every Tell.
        if (!ReferenceEquals(_sender, sender))
        {
            _sender = sender;
        }
        if (!ReferenceEquals(_currentMessage, message))
        {
            _currentMessage = message;
        }
        try
        {
            if (message is AutoReceivedMessage auto)
            {
                HandleAutoReceived(auto);
                return;
            }
            var actor = _actor!;
            if (!actor.InvokeAroundReceive(message))
            {
                actor.InvokeUnhandled(message);
            }
            if (_extras?.ReceiveTimeout is not null && message is not INotInfluenceReceiveTimeout)
            {
                _extras.LastActivity = _system.TimeProvider.GetTimestamp();
            }
        }
        catch (Exception ex)
        {
            HandleInvokeFailure(ex);
        }
    }

    private void Deliver(object message)
    {
        _currentMessage = message;
        var actor = _actor!;
        if (!actor.InvokeAroundReceive(message))
        {
            actor.InvokeUnhandled(message);
        }
    }

    private void HandleAutoReceived(AutoReceivedMessage message)
    {
        switch (message)
        {
            case TimerEntry timer:
                if (_extras?.Timers?.OnFired(timer) is { } payload)
                {
                    _sender = null;
                    Deliver(payload);
                    if (_extras.ReceiveTimeout is not null && payload is not INotInfluenceReceiveTimeout)
                    {
                        _extras.LastActivity = _system.TimeProvider.GetTimestamp();
                    }
                }
                break;
            case TerminatedEnvelope terminated:
                if (_extras?.Watching is { } watching && watching.Remove(terminated.Actor))
                {
                    _sender = terminated.Actor;
                    Deliver(new Terminated(terminated.Actor));
                }
                break;
            case ForeignTerminatedEnvelope foreignTerminated:
                if (_extras?.WatchingForeign is { } foreignWatching && foreignWatching.Remove(foreignTerminated.Actor))
                {
                    _sender = foreignTerminated.Actor;
                    Deliver(new Terminated(foreignTerminated.Actor));
                }
                break;
            case ReceiveTimeoutTick:
                OnReceiveTimeoutTick();
                break;
            case PoisonPill:
                BeginTerminate(graceful: false);
                break;
            case GracefulStop:
                BeginTerminate(graceful: true);
                break;
            case Identify identify:
                _sender?.Tell(new ActorIdentity(identify.MessageId, this), this);
                break;
            case Kill:
                throw new ActorKilledException($"{_path} received Kill.");
            default:
                Debug.Fail($"Unknown auto-received message {message.GetType()}");
                break;
        }
    }

    private void DrainToDeadLetters()
    {
        while (_queue.TryDequeue(out var message, out var sender))
        {
            _system.DeadLetter(message, sender, this);
        }
        if (_unstashed is { } unstashed)
        {
            _unstashed = null;
            while (unstashed.TryDequeue(out var e))
            {
                _system.DeadLetter(e.Message, e.Sender, this);
            }
        }
        if (_extras is { } extras)
        {
            if (extras.DefaultStash is { } stash)
            {
                foreach (var e in stash.ClearStash())
                {
                    _system.DeadLetter(e.Message, e.Sender, this);
                }
            }
        }
    }

    /// <summary>Puts messages back at the front of the mailbox, in the given order (UnstashAll).</summary>
    internal void Prepend(IReadOnlyList<Envelope> messages)
    {
        var old = _unstashed;
        var merged = new Queue<Envelope>(messages.Count + (old?.Count ?? 0));
        for (var i = 0; i < messages.Count; i++)
        {
            merged.Enqueue(messages[i]);
        }
        if (old is not null)
        {
            while (old.TryDequeue(out var e))
            {
                merged.Enqueue(e);
            }
        }
        _unstashed = merged.Count > 0 ? merged : null;
    }

    public override string ToString() => _path.ToString();
}

/// <summary>Implemented by wrappers (e.g. the TestKit's probe) that stand for a real actor cell.</summary>
internal interface ICellRef
{
    ActorCell Cell { get; }
}
