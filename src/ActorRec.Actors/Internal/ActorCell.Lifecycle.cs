namespace ActorRec.Actors.Internal;

// Lifecycle: creation, failure and supervision, restart, termination and death watch. All of it runs on the actor's
// own turn (Execute), so it needs no locks except around the children map, which ActorOf on a guardian may touch
// from outside. Termination is top-down: a stopping actor stops its children and finishes (PostStop, dead letters,
// notifications) only when the last child has reported its death, so parents always outlive their children.
internal sealed partial class ActorCell
{
    private void CreateActor()
    {
        t_creating = this;
        try
        {
            _actor = _props.NewActor();
            Interlocked.And(ref _state, ~StateNotCreated);
            _actor.InvokePreStart();
        }
        catch (Exception ex)
        {
            Interlocked.And(ref _state, ~StateNotCreated);
            HandleInvokeFailure(new ActorInitializationException($"Creating {_path} ({_props.ActorType.Name}) failed: {ex.Message}", ex));
        }
        finally
        {
            t_creating = null;
        }
    }

    private void HandleSystemMessage(SystemMessage message)
    {
        if ((_state & StateTerminated) != 0)
        {
            // A stopped actor answers a late Watch at once; everything else is moot.
            if (message is WatchMessage lateWatch)
            {
                lateWatch.Watcher.SendSystem(new DeathWatchNotification(this));
            }
            return;
        }
        switch (message)
        {
            case TerminateMessage:
                BeginTerminate(graceful: false);
                break;
            case WatchMessage watch:
                if (!ReferenceEquals(watch.Watcher, this))
                {
                    AddWatcher(watch.Watcher);
                }
                break;
            case UnwatchMessage unwatch:
                RemoveWatcher(unwatch.Watcher);
                break;
            case DeathWatchNotification death:
                OnDeathWatchNotification(death.Actor);
                break;
            case ForeignDeathNotification foreignDeath:
                if (_extras?.WatchingForeign is { } foreignWatching && foreignWatching.Contains(foreignDeath.Actor) && (_state & StateTerminating) == 0)
                {
                    EnqueueInternal(new ForeignTerminatedEnvelope(foreignDeath.Actor));
                }
                break;
            case FailedMessage failed:
                OnChildFailed(failed.Child, failed.Cause);
                break;
            case ResumeMessage:
                if ((_state & StateTerminating) == 0)
                {
                    Interlocked.And(ref _state, ~StateSuspended);
                }
                break;
            case RecreateMessage recreate:
                Restart(recreate.Cause);
                break;
        }
    }

    // ---------------------------------------------------------------- failure and supervision

    private void HandleInvokeFailure(Exception exception)
    {
        if ((_state & (StateTerminating | StateTerminated)) != 0)
        {
            ActorLog.HookFailed(_system.Logger, exception, "receive while stopping", _path);
            return;
        }
        ActorLog.ActorFailed(_system.Logger, exception, _path, _currentMessage?.GetType().Name ?? "(none)");
        Interlocked.Or(ref _state, StateSuspended);
        Extras.FailedMessage = _currentMessage;
        if (_parent is null)
        {
            BeginTerminate(graceful: false);
            return;
        }
        _parent.SendSystem(new FailedMessage(this, exception));
    }

    private void OnChildFailed(ActorCell child, Exception cause)
    {
        if (!IsMyChild(child) || child.IsTerminated)
        {
            return;
        }
        var strategy = _actor?.InvokeSupervisorStrategy() ?? SupervisorStrategy.Default;
        Directive directive;
        try
        {
            directive = strategy.Decide(cause);
        }
        catch (Exception ex)
        {
            ActorLog.HookFailed(_system.Logger, ex, "supervisor decider", _path);
            directive = Directive.Stop;
        }
        switch (directive)
        {
            case Directive.Resume:
                child.SendSystem(new ResumeMessage());
                break;
            case Directive.Restart:
                var stats = (Extras.RestartStats ??= []);
                if (!stats.TryGetValue(child, out var childStats))
                {
                    stats[child] = childStats = new RestartStatistics();
                }
                if (!childStats.RequestRestartPermission(strategy, _system.TimeProvider, out var restartNumber))
                {
                    ActorLog.RestartLimitReached(_system.Logger, child.Path, strategy.MaxNrOfRetries);
                    child.RequestStop();
                    break;
                }
                var recreate = new RecreateMessage(child, cause);
                var delay = strategy.BackoffFor(restartNumber);
                if (delay == TimeSpan.Zero)
                {
                    child.SendSystem(recreate);
                }
                else
                {
                    recreate.Timer = _system.TimeProvider.CreateTimer(
                        static s =>
                        {
                            var r = (RecreateMessage)s!;
                            r.Timer?.Dispose();
                            r.Target.SendSystem(r);
                        },
                        recreate,
                        delay,
                        Timeout.InfiniteTimeSpan);
                }
                break;
            case Directive.Escalate when _parent is not null && !_system.IsGuardian(this):
                HandleInvokeFailure(cause);
                break;
            default:
                if (directive == Directive.Escalate)
                {
                    ActorLog.EscalatedToGuardian(_system.Logger, cause, child.Path);
                }
                child.RequestStop();
                break;
        }
    }

    private void Restart(Exception cause)
    {
        if ((_state & (StateTerminating | StateTerminated)) != 0)
        {
            return;
        }
        var failed = _actor;
        var failedMessage = _extras?.FailedMessage;
        if (_extras is not null)
        {
            _extras.FailedMessage = null;
            _extras.Timers?.CancelAll();
        }
        if (failed is not null)
        {
            try
            {
                failed.InvokePreRestart(cause, failedMessage);
            }
            catch (Exception ex)
            {
                ActorLog.HookFailed(_system.Logger, ex, "PreRestart", _path);
            }
        }
        // Stashed messages of the old instance go back to the front of the mailbox.
        _extras?.DefaultStash?.UnstashAll();
        _actor = null;
        // Children that PreRestart stopped must be gone before the new instance starts, so that it can create
        // children with the same names; until then the actor stays suspended.
        if (HasStoppingChildren())
        {
            Extras.PendingRestartCause = cause;
            Interlocked.Or(ref _state, StateRestartPending);
            return;
        }
        CompleteRestart(cause);
    }

    private bool HasStoppingChildren()
    {
        foreach (var child in ChildrenSnapshot())
        {
            if (child.IsStopRequested)
            {
                return true;
            }
        }
        return false;
    }

    private void CompleteRestart(Exception cause)
    {
        t_creating = this;
        try
        {
            _actor = _props.NewActor();
            Interlocked.And(ref _state, ~(StateSuspended | StateRestartPending));
            _actor.InvokePostRestart(cause);
        }
        catch (Exception ex)
        {
            Interlocked.And(ref _state, ~StateRestartPending);
            HandleInvokeFailure(new ActorInitializationException($"Restarting {_path} ({_props.ActorType.Name}) failed: {ex.Message}", ex));
        }
        finally
        {
            t_creating = null;
        }
    }

    // ---------------------------------------------------------------- termination

    private void BeginTerminate(bool graceful)
    {
        var state = _state;
        if ((state & StateTerminated) != 0)
        {
            return;
        }
        if ((state & StateTerminating) != 0)
        {
            // A hard stop overtakes a graceful one that is still waiting for children to drain.
            if (!graceful && (state & StateHardTerminating) == 0)
            {
                Interlocked.Or(ref _state, StateHardTerminating);
                foreach (var child in ChildrenSnapshot())
                {
                    child.RequestStop();
                }
            }
            return;
        }
        Interlocked.Or(ref _state, graceful ? StateTerminating : StateTerminating | StateHardTerminating);
        if (_extras is { } extras)
        {
            extras.Timers?.CancelAll();
            extras.ReceiveTimeout = null;
            extras.ReceiveTimeoutTimer?.Dispose();
            extras.ReceiveTimeoutTimer = null;
        }
        var children = ChildrenSnapshot();
        if (children.Length == 0)
        {
            FinishTerminate();
            return;
        }
        foreach (var child in children)
        {
            if (graceful)
            {
                child.EnqueueInternal(GracefulStop.Instance);
            }
            else
            {
                child.RequestStop();
            }
        }
    }

    private void FinishTerminate()
    {
        Interlocked.Or(ref _state, StateTerminated);
        if (_actor is { } actor)
        {
            try
            {
                actor.InvokePostStop();
            }
            catch (Exception ex)
            {
                ActorLog.HookFailed(_system.Logger, ex, "PostStop", _path);
            }
        }
        DrainToDeadLetters();
        NotifyWatchers();
        if (_extras is { } extras)
        {
            if (extras.Watching is { } watching)
            {
                foreach (var subject in watching)
                {
                    subject.SendSystem(new UnwatchMessage(this));
                }
                watching.Clear();
            }
            if (extras.WatchingForeign is { } foreignWatching)
            {
                foreach (var subject in foreignWatching)
                {
                    subject.RemoveWatcher(this);
                }
                foreignWatching.Clear();
            }
            extras.Timers?.CancelAll();
        }
        _actor = null;
        _currentMessage = null;
        if (_system.EventStream.HasSubscribers)
        {
            _system.EventStream.Unsubscribe(this);
        }
        _parent?.SendSystem(new DeathWatchNotification(this));
        _system.OnCellTerminated(this);
    }

    private void OnDeathWatchNotification(ActorCell dead)
    {
        if (ReferenceEquals(dead._parent, this))
        {
            RemoveChild(dead);
        }
        if (_extras?.Watching is { } watching && watching.Contains(dead) && (_state & StateTerminating) == 0)
        {
            EnqueueInternal(new TerminatedEnvelope(dead));
        }
        if ((_state & StateTerminating) != 0 && ChildCount() == 0)
        {
            FinishTerminate();
        }
        else if ((_state & StateRestartPending) != 0 && !HasStoppingChildren())
        {
            var cause = _extras!.PendingRestartCause!;
            _extras.PendingRestartCause = null;
            CompleteRestart(cause);
        }
    }

    // ---------------------------------------------------------------- receive timeout and async handlers

    private void OnReceiveTimeoutTick()
    {
        var extras = _extras;
        if (extras?.ReceiveTimeout is not { } timeout || extras.ReceiveTimeoutTimer is not { } timer)
        {
            return;
        }
        var idle = _system.TimeProvider.GetElapsedTime(extras.LastActivity);
        if (idle >= timeout)
        {
            extras.LastActivity = _system.TimeProvider.GetTimestamp();
            timer.Change(timeout, Timeout.InfiniteTimeSpan);
            _sender = null;
            Deliver(Actors.ReceiveTimeout.Instance);
        }
        else
        {
            timer.Change(timeout - idle, Timeout.InfiniteTimeSpan);
        }
    }

    internal void RunAsyncHandler<T>(Func<T, Task> handler, T value)
    {
        Task task;
        s_asyncCurrent.Value = this;
        try
        {
            task = handler(value);
        }
        finally
        {
            s_asyncCurrent.Value = null;
        }
        if (task.IsCompleted)
        {
            task.GetAwaiter().GetResult();
            return;
        }
        Interlocked.Or(ref _state, StateAwaitingAsync);
        task.ContinueWith(
            static (t, s) => ((ActorCell)s!).OnAsyncHandlerCompleted(t),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void OnAsyncHandlerCompleted(Task task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            Extras.PendingAsyncFailure = task.Exception?.InnerException ?? new TaskCanceledException(task);
        }
        Interlocked.And(ref _state, ~StateAwaitingAsync);
        ScheduleIfIdle();
    }
    // Watchers: most actors are watched by at most one actor (their parent region), so the first watcher is held in
    // the cell's own field; a HashSet is allocated only when a second one arrives. Touched only on the actor's turn.
    private void AddWatcher(ActorCell watcher)
    {
        switch (_watchers)
        {
            case null:
                _watchers = watcher;
                break;
            case ActorCell single when !ReferenceEquals(single, watcher):
                _watchers = new HashSet<ActorCell> { single, watcher };
                break;
            case HashSet<ActorCell> set:
                set.Add(watcher);
                break;
            default:
                break;
        }
    }

    private void RemoveWatcher(ActorCell watcher)
    {
        if (ReferenceEquals(_watchers, watcher))
        {
            _watchers = null;
        }
        else if (_watchers is HashSet<ActorCell> set)
        {
            set.Remove(watcher);
        }
    }

    private void NotifyWatchers()
    {
        var watchers = _watchers;
        _watchers = null;
        if (watchers is ActorCell single)
        {
            single.SendSystem(new DeathWatchNotification(this));
        }
        else if (watchers is HashSet<ActorCell> set)
        {
            foreach (var watcher in set)
            {
                watcher.SendSystem(new DeathWatchNotification(this));
            }
        }
    }
}
