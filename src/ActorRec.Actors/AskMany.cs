using ActorRec.Actors.Internal;

namespace ActorRec.Actors;

/// <summary>
/// A batch of asks to one target that share one task and one timeout: <c>messages[i]</c> is sent with its own reply
/// slot as sender, and the task completes with the replies in message order once every slot has its first reply.
/// </summary>
/// <remarks>
/// Why: a fan-out of N asks (an ingest POST asks every video it touches) otherwise costs N promises, N tasks, N timers
/// armed and disarmed, and a <c>Task.WhenAll</c>. Here it is one promise, one timer and a small slot per message.
/// The semantics are those of N <c>Ask&lt;object&gt;</c> awaited together: any reply type is a reply; a
/// <see cref="Status.Failure"/> reply fails the whole batch with its cause; a request that goes to dead letters fails
/// it at once with <see cref="RecipientTerminatedException"/>; when the timeout passes first it fails with
/// <see cref="AskTimeoutException"/>. A slot answered twice sends the second reply to dead letters.
/// </remarks>
public static class AskManyExtensions
{
    public static Task<object[]> AskMany(this IActorRef target, IReadOnlyList<object> messages, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(messages);
        var system = ActorCell.AsCell(target)?.System
            ?? (target as IForeignActorRef)?.System
            ?? throw new ArgumentException($"AskMany needs an actor of an actor system as target; {target} is not one.", nameof(target));
        var t = timeout ?? system.Settings.AskTimeout;
        if (t <= TimeSpan.Zero && t != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "An ask timeout must be positive (or infinite).");
        }

        if (messages.Count == 0)
        {
            return Task.FromResult(Array.Empty<object>());
        }

        var batch = new ManyPromise(system, target, messages.Count);
        batch.Arm(t);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"messages[{i}] is null", nameof(messages));
            try
            {
                target.Tell(message, batch.Slot(i));
            }
            catch (Exception ex)
            {
                batch.Fail(ex);
                break;
            }
        }

        return batch.Task;
    }

    /// <summary>The shared state of one batch: the replies gathered so far, the count still missing, the timer.</summary>
    private sealed class ManyPromise : TaskCompletionSource<object[]>
    {
        private readonly ActorSystem _system;
        private readonly IActorRef _target;
        private readonly object?[] _replies;
        private readonly ReplySlot[] _slots;
        private int _missing;
        private ITimer? _timer;

        public ManyPromise(ActorSystem system, IActorRef target, int count)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            _system = system;
            _target = target;
            _replies = new object?[count];
            _slots = new ReplySlot[count];
            _missing = count;
        }

        public ActorSystem System => _system;

        public ReplySlot Slot(int index) => _slots[index] = new ReplySlot(this, index);

        public void Arm(TimeSpan timeout)
        {
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                _timer = _system.TimeProvider.CreateTimer(static s => ((ManyPromise)s!).Fail(null), this, timeout, Timeout.InfiniteTimeSpan);
            }
        }

        /// <summary>Records slot <paramref name="index"/>'s reply; false when it already had one or the batch is over.</summary>
        public bool Reply(int index, object message)
        {
            if (message is Status.Failure failure)
            {
                return Fail(failure.Cause);
            }

            if (Task.IsCompleted || Interlocked.CompareExchange(ref _replies[index], message, null) is not null)
            {
                return false;
            }

            if (Interlocked.Decrement(ref _missing) == 0 && TrySetResult(_replies!))
            {
                Cleanup();
            }

            return true;
        }

        /// <summary>Fails the batch (null: the timeout passed).</summary>
        public bool Fail(Exception? cause)
        {
            if (!TrySetException(cause ?? new AskTimeoutException($"An ask of {_replies.Length} messages to {_target.Path} timed out.")))
            {
                return false;
            }

            Cleanup();
            return true;
        }

        private void Cleanup()
        {
            _timer?.Dispose();
            foreach (var slot in _slots)
            {
                slot?.Unregister();
            }
        }
    }

    /// <summary>The sender of one message of a batch: its first reply lands at its index.</summary>
    private sealed class ReplySlot(ManyPromise owner, int index) : IActorRef, IPromiseRef
    {
        private ActorPath? _path;

        /// <summary>A unique <c>/temp/$n</c> path made on first use (a remote reply addresses the slot by it).</summary>
        public ActorPath Path
        {
            get
            {
                if (Volatile.Read(ref _path) is { } path)
                {
                    return path;
                }

                var created = owner.System.RegisterTemp(this);
                if (Interlocked.CompareExchange(ref _path, created, null) is { } raced)
                {
                    owner.System.UnregisterTemp(created);
                    return raced;
                }

                if (owner.Task.IsCompleted)
                {
                    owner.System.UnregisterTemp(created);
                }

                return created;
            }
        }

        public void Tell(object message, IActorRef? sender)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (!owner.Reply(index, message))
            {
                owner.System.DeadLetter(message, sender, this);
            }
        }

        public void FailRecipientTerminated(IActorRef recipient) =>
            owner.Fail(new RecipientTerminatedException($"The ask to {recipient.Path} went to dead letters: the recipient is stopped."));

        public void Unregister()
        {
            if (Volatile.Read(ref _path) is { } path)
            {
                owner.System.UnregisterTemp(path);
            }
        }

        public override string ToString() => $"AskMany[{index}]";
    }
}
