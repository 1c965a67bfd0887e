using Microsoft.Extensions.Logging;

namespace ActorRec.Actors.Internal;

// IActorContext: children, watch, behaviour, timers, stash, receive timeout.
internal sealed partial class ActorCell
{
    public IActorRef ActorOf(Props props, string? name = null) => CreateChild(props, name, reservedNameAllowed: false);

    internal ActorCell CreateChild(Props props, string? name, bool reservedNameAllowed)
    {
        ArgumentNullException.ThrowIfNull(props);
        if ((Volatile.Read(ref _state) & (StateTerminating | StateTerminated)) != 0)
        {
            throw new InvalidOperationException($"{_path} is stopping and cannot create children.");
        }
        if (name is null)
        {
            name = GeneratedName(_system.NextNameId());
        }
        else
        {
            ActorPath.ValidateName(name, reservedNameAllowed);
        }
        var child = new ActorCell(_system, this, props, _path.UncheckedChild(name));
        var extras = Extras;
        lock (extras)
        {
            var children = extras.Children ??= new Dictionary<string, ActorCell>(StringComparer.Ordinal);
            if (!children.TryAdd(name, child))
            {
                throw new InvalidActorNameException($"The name '{name}' is already taken under {_path}.");
            }
        }
        child.Start();
        return child;
    }

    internal static string GeneratedNameOf(long id) => GeneratedName(id);

    private static string GeneratedName(long id)
    {
        const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        Span<char> buffer = stackalloc char[16];
        var pos = buffer.Length;
        do
        {
            buffer[--pos] = Digits[(int)(id % 36)];
            id /= 36;
        }
        while (id > 0);
        buffer[--pos] = '$';
        return new string(buffer[pos..]);
    }

    public IActorRef? Child(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var extras = _extras;
        if (extras is null)
        {
            return null;
        }
        lock (extras)
        {
            return extras.Children is { } children && children.TryGetValue(name, out var child) && !child.IsTerminated ? child : null;
        }
    }

    public IReadOnlyList<IActorRef> GetChildren() => ChildrenSnapshot();

    internal ActorCell[] ChildrenSnapshot()
    {
        var extras = _extras;
        if (extras is null)
        {
            return [];
        }
        lock (extras)
        {
            if (extras.Children is not { Count: > 0 } children)
            {
                return [];
            }
            var result = new ActorCell[children.Count];
            children.Values.CopyTo(result, 0);
            return result;
        }
    }

    internal int ChildCount()
    {
        var extras = _extras;
        if (extras is null)
        {
            return 0;
        }
        lock (extras)
        {
            return extras.Children?.Count ?? 0;
        }
    }

    private bool IsMyChild(ActorCell cell)
    {
        var extras = _extras;
        if (extras is null)
        {
            return false;
        }
        lock (extras)
        {
            return extras.Children is { } children && children.TryGetValue(cell.Path.Name, out var c) && ReferenceEquals(c, cell);
        }
    }

    private void RemoveChild(ActorCell child)
    {
        var extras = _extras;
        if (extras is null)
        {
            return;
        }
        lock (extras)
        {
            if (extras.Children is { } children && children.TryGetValue(child.Path.Name, out var c) && ReferenceEquals(c, child))
            {
                children.Remove(child.Path.Name);
            }
        }
        extras.RestartStats?.Remove(child);
    }

    public IActorRef Watch(IActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var cell = AsCell(subject);
        if (cell is null)
        {
            if (subject is not IForeignActorRef foreign)
            {
                throw new ArgumentException($"Only actors of an actor system (or foreign refs of a remoting provider) can be watched; {subject} is neither.", nameof(subject));
            }
            if ((Extras.WatchingForeign ??= []).Add(foreign))
            {
                foreign.AddWatcher(this);
            }
            return subject;
        }
        if (!ReferenceEquals(cell, this) && (Extras.Watching ??= []).Add(cell))
        {
            cell.SendSystem(new WatchMessage(this));
        }
        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject is IForeignActorRef foreign)
        {
            if (_extras?.WatchingForeign is { } foreignWatching && foreignWatching.Remove(foreign))
            {
                foreign.RemoveWatcher(this);
            }
            return subject;
        }
        var cell = AsCell(subject);
        if (cell is not null && _extras?.Watching is { } watching && watching.Remove(cell))
        {
            cell.SendSystem(new UnwatchMessage(this));
        }
        return subject;
    }

    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var cell = AsCell(actor) ?? throw new ArgumentException($"{actor} is not an actor of an actor system.", nameof(actor));
        cell.RequestStop();
    }

    public void Become(Receive receive) => CurrentActor().BecomeInternal(receive, discardOld: true);

    public void BecomeStacked(Receive receive) => CurrentActor().BecomeInternal(receive, discardOld: false);

    public void Unbecome() => CurrentActor().UnbecomeInternal();

    private ActorBase CurrentActor() => _actor ?? throw new InvalidOperationException($"{_path} has no running actor instance.");

    public TimeSpan? ReceiveTimeout => _extras?.ReceiveTimeout;

    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        var extras = Extras;
        if (timeout is not { } t || t == Timeout.InfiniteTimeSpan)
        {
            extras.ReceiveTimeout = null;
            extras.ReceiveTimeoutTimer?.Dispose();
            extras.ReceiveTimeoutTimer = null;
            return;
        }
        if (t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "A receive timeout must be positive (or null to turn it off).");
        }
        extras.ReceiveTimeout = t;
        extras.LastActivity = _system.TimeProvider.GetTimestamp();
        extras.ReceiveTimeoutTick ??= new ReceiveTimeoutTick();
        extras.ReceiveTimeoutTimer ??= _system.TimeProvider.CreateTimer(
            static s =>
            {
                var cell = (ActorCell)s!;
                if (cell._extras?.ReceiveTimeoutTick is { } tick)
                {
                    cell.EnqueueInternal(tick);
                }
            },
            this,
            Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        extras.ReceiveTimeoutTimer.Change(t, Timeout.InfiniteTimeSpan);
    }

    public ITimerScheduler Timers => Extras.Timers ??= new TimerScheduler(this);

    internal IStash DefaultStash => Extras.DefaultStash ??= new ActorStash(this);

    public IStash CreateStash() => new ActorStash(this);

    public ILogger Log => Extras.Log ??= _system.LoggerFactory.CreateLogger(_props.ActorType);

    internal void PublishUnhandled(object message)
    {
        ActorLog.Unhandled(_system.Logger, message.GetType().Name, _path);
        _system.EventStream.PublishIfSubscribed(message, _sender, this, unhandled: true);
    }
}
