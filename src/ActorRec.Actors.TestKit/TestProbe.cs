using System.Collections.Concurrent;
using ActorRec.Actors.Internal;

namespace ActorRec.Actors.TestKit;

/// <summary>
/// A real actor (under /system) that records every message it receives, with assertions to read them. Pass the probe
/// itself (it is an <see cref="IActorRef"/>) or <see cref="Ref"/> wherever an actor reference is expected. Waits use
/// the real clock only as a failure guard; <see cref="ExpectNoMsg"/> moves virtual time and then waits until every
/// actor is idle, so it never sleeps.
/// </summary>
public sealed class TestProbe : IActorRef, ICellRef
{
    private readonly BlockingCollection<Envelope> _received = [];
    private readonly ActorCell _cell;

    public TestProbe(ActorSystem system, string? name = null, TimeSpan? defaultTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        System = system;
        DefaultTimeout = defaultTimeout ?? TimeSpan.FromSeconds(10);
        var received = _received;
        _cell = (ActorCell)system.SystemActorOf(Props.Create(() => new ProbeActor(received)), name);
    }

    public ActorSystem System { get; }

    /// <summary>The failure guard of the Expect methods when they are given no timeout.</summary>
    public TimeSpan DefaultTimeout { get; }

    /// <summary>The probe's actor.</summary>
    public IActorRef Ref => _cell;

    public ActorPath Path => _cell.Path;

    ActorCell ICellRef.Cell => _cell;

    /// <summary>Sender of the last message taken by an Expect/Receive method.</summary>
    public IActorRef? LastSender { get; private set; }

    /// <summary>The last message taken by an Expect/Receive method.</summary>
    public object? LastMessage { get; private set; }

    /// <summary>Messages received and not yet taken.</summary>
    public int PendingCount => _received.Count;

    public void Tell(object message, IActorRef? sender) => _cell.Tell(message, sender);

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> with the probe as sender.</summary>
    public void Send(IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, _cell);
    }

    /// <summary>Replies to the sender of the last taken message, with the probe as sender.</summary>
    public void Reply(object message)
    {
        var to = LastSender ?? throw new InvalidOperationException("No message with a sender has been taken yet.");
        to.Tell(message, _cell);
    }

    /// <summary>Forwards the last taken message to <paramref name="target"/>, keeping its original sender.</summary>
    public void Forward(IActorRef target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(LastMessage ?? throw new InvalidOperationException("No message has been taken yet."), LastSender);
    }

    /// <summary>The probe watches <paramref name="target"/>; its <see cref="Terminated"/> arrives like any message.</summary>
    public void Watch(IActorRef target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _cell.Tell(new ProbeActor.WatchCommand(target, true), null);
    }

    public void Unwatch(IActorRef target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _cell.Tell(new ProbeActor.WatchCommand(target, false), null);
    }

    /// <summary>Takes the next message, which must be a <typeparamref name="T"/> (and match the predicate).</summary>
    public T ExpectMsg<T>(Predicate<T>? isMessage = null, TimeSpan? timeout = null)
    {
        var envelope = Take(timeout, $"a {typeof(T).Name}");
        if (envelope.Message is not T typed)
        {
            throw new TestKitException($"Expected a {typeof(T).Name} but got {Describe(envelope.Message)}.");
        }
        if (isMessage is not null && !isMessage(typed))
        {
            throw new TestKitException($"The {typeof(T).Name} {Describe(typed)} did not match the predicate.");
        }
        return typed;
    }

    /// <summary>Takes the next message, which must equal <paramref name="expected"/>.</summary>
    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var envelope = Take(timeout, Describe(expected));
        if (!Equals(envelope.Message, expected))
        {
            throw new TestKitException($"Expected {Describe(expected)} but got {Describe(envelope.Message)}.");
        }
        return (T)envelope.Message;
    }

    /// <summary>Takes the next message, which must be <see cref="Terminated"/> for <paramref name="target"/>.</summary>
    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var expected = ActorCell.AsCell(target);
        if (expected is null)
        {
            // A foreign (remote) ref: those compare by path.
            return ExpectMsg<Terminated>(t => Equals(t.ActorRef, target), timeout);
        }
        return ExpectMsg<Terminated>(t => ReferenceEquals(ActorCell.AsCell(t.ActorRef), expected), timeout);
    }

    /// <summary>
    /// Asserts that no message arrives within <paramref name="duration"/>. On a <see cref="VirtualTimeProvider"/> it
    /// first waits until all actors are idle (so that timers they are about to start exist), advances virtual time by
    /// the duration and waits until all actors are idle again; on real time it waits the duration.
    /// </summary>
    public void ExpectNoMsg(TimeSpan duration)
    {
        Envelope envelope;
        if (System.TimeProvider is VirtualTimeProvider time)
        {
            if (!System.TrackActivity)
            {
                throw new InvalidOperationException("ExpectNoMsg on virtual time needs a system created by ActorTestKit (it tracks actor activity).");
            }
            ActorTestKit.AwaitIdle(System, DefaultTimeout);
            time.Advance(duration);
            ActorTestKit.AwaitIdle(System, DefaultTimeout);
            if (!_received.TryTake(out envelope))
            {
                return;
            }
        }
        else if (!_received.TryTake(out envelope, duration))
        {
            return;
        }
        throw new TestKitException($"Expected no message within {duration} but got {Describe(envelope.Message)}.");
    }

    /// <summary>Takes messages until one matches, dropping the others, and returns it.</summary>
    public object FishForMessage(Func<object, bool> isMessage, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(isMessage);
        var guard = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + guard;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var envelope = Take(left < TimeSpan.Zero ? TimeSpan.Zero : left, "a message that matches the fishing predicate");
            if (isMessage(envelope.Message))
            {
                return envelope.Message;
            }
        }
    }

    /// <summary>Typed fishing: skips messages until a <typeparamref name="T"/> matching the predicate arrives.</summary>
    public T FishForMessage<T>(Predicate<T>? isMessage = null, TimeSpan? timeout = null) =>
        (T)FishForMessage(m => m is T t && (isMessage is null || isMessage(t)), timeout);

    /// <summary>Takes exactly <paramref name="count"/> messages.</summary>
    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var result = new List<object>(count);
        while (result.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            result.Add(Take(left < TimeSpan.Zero ? TimeSpan.Zero : left, $"message {result.Count + 1} of {count}").Message);
        }
        return result;
    }

    private Envelope Take(TimeSpan? timeout, string what)
    {
        var guard = timeout ?? DefaultTimeout;
        if (!_received.TryTake(out var envelope, guard))
        {
            throw new TestKitException($"Timed out after {guard} waiting for {what} at {Path}.");
        }
        LastMessage = envelope.Message;
        LastSender = envelope.Sender;
        return envelope;
    }

    private static string Describe(object? message) => message is null ? "null" : $"{message.GetType().Name} {message}";

    public override string ToString() => $"TestProbe({Path})";

    private sealed class ProbeActor : ActorBase
    {
        private readonly BlockingCollection<Envelope> _received;

        public ProbeActor(BlockingCollection<Envelope> received) => _received = received;

        public sealed record WatchCommand(IActorRef Target, bool Watch);

        protected override bool Receive(object message)
        {
            if (message is WatchCommand command)
            {
                if (command.Watch)
                {
                    Context.Watch(command.Target);
                }
                else
                {
                    Context.Unwatch(command.Target);
                }
                return true;
            }
            _received.Add(new Envelope(message, Sender));
            return true;
        }
    }
}

/// <summary>A TestKit expectation failed.</summary>
public sealed class TestKitException(string message) : Exception(message);
