using System.Collections.Concurrent;
using ActorRec.Actors.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Actors;

/// <summary>
/// A hierarchy of actors: the root guardian with the <c>user</c> guardian (parent of ActorOf actors) and the
/// <c>system</c> guardian (runtime and test actors). All time comes from the injected <see cref="TimeProvider"/>.
/// <para>
/// Shutdown (<see cref="Terminate"/>) runs in ordered phases: (1) stop accepting: ActorOf throws; (2) drain: every
/// user actor is stopped gracefully, after the messages already in its mailbox, children before parents; actors still
/// running after <see cref="ActorSystemSettings.ShutdownTimeout"/> are stopped at once, top-down (pending messages to
/// dead letters); (3) the system actors (/system) are stopped the same way, then the root; (4) flush: the dead-letter
/// log summary is written and <see cref="WhenTerminated"/> completes. Tell still works during shutdown.
/// </para>
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private readonly ActorCell _root;
    private readonly ActorCell _userGuardian;
    private readonly ActorCell _systemGuardian;
    private readonly DeadLetterRef _deadLetters;
    private readonly TaskCompletionSource _whenTerminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _userTerminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _systemTerminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _rootTerminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, IActorRef> _temps = new(StringComparer.Ordinal);
    private long _nameIds;
    private int _accepting = 1;
    private int _terminationStarted;

    /// <summary>Number of scheduled or running actors; maintained only when <see cref="TrackActivity"/> is on (tests).</summary>
    internal int ActiveCells;

    private ActorSystem(string name, ActorSystemSettings settings, TimeProvider timeProvider, ILoggerFactory loggerFactory, bool trackActivity)
    {
        TrackActivity = trackActivity;
        Name = name;
        Settings = settings;
        Throughput = settings.Throughput;
        PreferLocalQueue = settings.PreferLocalQueue;
        TimeProvider = timeProvider;
        LoggerFactory = loggerFactory;
        Logger = loggerFactory.CreateLogger("ActorRec.Actors.ActorSystem");
        EventStream = new EventStream();
        var rootPath = ActorPath.Root(name);
        _deadLetters = new DeadLetterRef(this, rootPath.UncheckedChild("deadLetters"));
        TempPath = rootPath.UncheckedChild("temp");
        var guardian = Props.Create<GuardianActor>();
        _root = new ActorCell(this, null, guardian, rootPath);
        _userGuardian = _root.CreateChild(guardian, "user", reservedNameAllowed: false);
        _systemGuardian = _root.CreateChild(guardian, "system", reservedNameAllowed: false);
        _root.Start();
    }

    public string Name { get; }

    public ActorSystemSettings Settings { get; }

    public TimeProvider TimeProvider { get; }

    public ILoggerFactory LoggerFactory { get; }

    public EventStream EventStream { get; }

    /// <summary>Messages sent here are counted, published and logged as dead letters.</summary>
    public IActorRef DeadLetters => _deadLetters;

    /// <summary>Dead letters so far.</summary>
    public long DeadLetterCount => _deadLetters.Count;

    /// <summary>Completes when shutdown has finished all phases.</summary>
    public Task WhenTerminated => _whenTerminated.Task;

    internal ILogger Logger { get; }

    internal int Throughput { get; }

    internal bool PreferLocalQueue { get; }

    internal ActorPath TempPath { get; }

    /// <summary>When on, <see cref="ActiveCells"/> counts scheduled actors so a test kit can wait for quiescence.</summary>
    internal bool TrackActivity { get; }

    /// <summary>A new system; <paramref name="name"/> may hold letters, digits, '-' and '_'.</summary>
    public static ActorSystem Create(string name, ActorSystemSettings? settings = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null) =>
        Create(name, settings, timeProvider, loggerFactory, trackActivity: false);

    /// <summary>A system that counts scheduled actors, so that a test kit can wait until all are idle.</summary>
    internal static ActorSystem CreateTracked(string name, ActorSystemSettings? settings, TimeProvider? timeProvider, ILoggerFactory? loggerFactory) =>
        Create(name, settings, timeProvider, loggerFactory, trackActivity: true);

    private static ActorSystem Create(string name, ActorSystemSettings? settings, TimeProvider? timeProvider, ILoggerFactory? loggerFactory, bool trackActivity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                throw new ArgumentException($"Actor system name '{name}' may contain only ASCII letters, digits, '-' and '_'.", nameof(name));
            }
        }
        return new ActorSystem(name, settings ?? ActorSystemSettings.Default, timeProvider ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance, trackActivity);
    }

    /// <summary>Creates a top-level actor under /user; name null generates a unique one.</summary>
    public IActorRef ActorOf(Props props, string? name = null)
    {
        EnsureAccepting();
        return _userGuardian.CreateChild(props, name, reservedNameAllowed: false);
    }

    /// <summary>Creates an actor under /system (runtime services, journals, test probes); stopped after user actors.</summary>
    public IActorRef SystemActorOf(Props props, string? name = null)
    {
        EnsureAccepting();
        return _systemGuardian.CreateChild(props, name, reservedNameAllowed: false);
    }

    /// <summary>Stops an actor after its current message; its pending messages go to dead letters.</summary>
    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var cell = ActorCell.AsCell(actor) ?? throw new ArgumentException($"{actor} is not an actor of an actor system.", nameof(actor));
        cell.RequestStop();
    }

    /// <summary>
    /// Finds a live actor of this system by the elements of its path, e.g. <c>/user/a/b</c>, <c>/system/x</c>,
    /// <c>/temp/$1k</c> (the temporary reference of a pending ask whose path was handed out) or <c>/deadLetters</c>;
    /// null when no such actor is running. For remoting providers: this is how an inbound message finds its recipient.
    /// </summary>
    public IActorRef? ResolveLocal(string elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        var span = elements.AsSpan();
        if (span.StartsWith('/'))
        {
            span = span[1..];
        }
        var slash = span.IndexOf('/');
        var first = slash < 0 ? span : span[..slash];
        var rest = slash < 0 ? ReadOnlySpan<char>.Empty : span[(slash + 1)..];
        if (first.SequenceEqual("temp"))
        {
            return _temps.TryGetValue(rest.ToString(), out var temp) ? temp : null;
        }
        if (first.SequenceEqual("deadLetters"))
        {
            return rest.IsEmpty ? _deadLetters : null;
        }
        IActorRef? current = first.SequenceEqual("user") ? _userGuardian : first.SequenceEqual("system") ? _systemGuardian : null;
        while (current is not null && !rest.IsEmpty)
        {
            slash = rest.IndexOf('/');
            var name = slash < 0 ? rest : rest[..slash];
            rest = slash < 0 ? ReadOnlySpan<char>.Empty : rest[(slash + 1)..];
            if (!name.IsEmpty)
            {
                current = ((ActorCell)current).Child(name.ToString());
            }
        }
        return current is ActorCell { IsTerminated: true } ? null : current;
    }

    /// <summary>Gives a pending ask a unique /temp path under which <see cref="ResolveLocal"/> finds it.</summary>
    internal ActorPath RegisterTemp(IActorRef promise)
    {
        var path = TempPath.UncheckedChild(ActorCell.GeneratedNameOf(NextNameId()));
        _temps[path.Name] = promise;
        return path;
    }

    internal void UnregisterTemp(ActorPath path) => _temps.TryRemove(path.Name, out _);

    /// <summary>Starts graceful shutdown (idempotent) and returns <see cref="WhenTerminated"/>.</summary>
    public Task Terminate()
    {
        if (Interlocked.Exchange(ref _terminationStarted, 1) == 0)
        {
            _ = RunShutdownAsync();
        }
        return WhenTerminated;
    }

    public async ValueTask DisposeAsync() => await Terminate().ConfigureAwait(false);

    public override string ToString() => $"ActorSystem({Name})";

    internal long NextNameId() => Interlocked.Increment(ref _nameIds);

    internal void DeadLetter(object message, IActorRef? sender, IActorRef recipient) => _deadLetters.Publish(message, sender, recipient);

    internal bool IsGuardian(ActorCell cell) => ReferenceEquals(cell, _root) || ReferenceEquals(cell, _userGuardian) || ReferenceEquals(cell, _systemGuardian);

    internal void OnCellTerminated(ActorCell cell)
    {
        if (ReferenceEquals(cell, _userGuardian))
        {
            _userTerminated.TrySetResult();
        }
        else if (ReferenceEquals(cell, _systemGuardian))
        {
            _systemTerminated.TrySetResult();
        }
        else if (ReferenceEquals(cell, _root))
        {
            _rootTerminated.TrySetResult();
        }
    }

    private void EnsureAccepting()
    {
        if (Volatile.Read(ref _accepting) == 0)
        {
            throw new ActorSystemTerminatingException($"Actor system {Name} is terminating and accepts no new actors.");
        }
    }

    private async Task RunShutdownAsync()
    {
        try
        {
            ActorLog.ShutdownPhase(Logger, Name, "1 stop accepting");
            Volatile.Write(ref _accepting, 0);

            ActorLog.ShutdownPhase(Logger, Name, "2 drain user actors");
            await StopGuardianAsync(_userGuardian, _userTerminated.Task).ConfigureAwait(false);

            ActorLog.ShutdownPhase(Logger, Name, "3 stop system actors");
            await StopGuardianAsync(_systemGuardian, _systemTerminated.Task).ConfigureAwait(false);
            _root.SendSystem(new TerminateMessage());
            await WaitAsync(_rootTerminated.Task).ConfigureAwait(false);

            ActorLog.ShutdownPhase(Logger, Name, "4 flush");
            _deadLetters.Flush();
            ActorLog.Terminated(Logger, Name, DeadLetterCount);
        }
        finally
        {
            _whenTerminated.TrySetResult();
        }
    }

    /// <summary>
    /// Stops a guardian's subtree gracefully (each actor first processes what is already in its mailbox, children
    /// before parents); after the shutdown timeout the rest is stopped at once. An actor that cannot even stop (stuck
    /// in an async handler) is abandoned after one more timeout so that shutdown always ends.
    /// </summary>
    private async Task StopGuardianAsync(ActorCell guardian, Task terminated)
    {
        guardian.EnqueueInternal(GracefulStop.Instance);
        if (await WaitAsync(terminated).ConfigureAwait(false))
        {
            return;
        }
        ActorLog.ShutdownDrainTimedOut(Logger, Name, Settings.ShutdownTimeout);
        guardian.SendSystem(new TerminateMessage());
        if (!await WaitAsync(terminated).ConfigureAwait(false))
        {
            ActorLog.ShutdownAbandoned(Logger, Name, guardian.Path);
        }
    }

    private async Task<bool> WaitAsync(Task task)
    {
        try
        {
            await task.WaitAsync(Settings.ShutdownTimeout, TimeProvider).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private sealed class GuardianActor : ActorBase
    {
        protected override bool Receive(object message) => false;
    }
}
