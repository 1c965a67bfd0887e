namespace ActorRec.Server.Health;

/// <summary>Where the node is in its life, as <c>/readyz</c> reports it.</summary>
public enum ReadinessPhase
{
    /// <summary>Listening (liveness passes) but start-up work is still running.</summary>
    Starting,

    /// <summary>Every start-up task finished; the node takes traffic.</summary>
    Ready,

    /// <summary>Shutdown began (SIGTERM or a stop request): load balancers should stop sending traffic.</summary>
    Stopping,

    /// <summary>A start-up task failed; the node will not become ready.</summary>
    Failed,
}

/// <summary>
/// The node's readiness. Transitions only move forward (Starting → Ready → Stopping, or to Failed), so a late
/// "ready" can never undo "stopping". Thread-safe.
/// </summary>
public sealed class ReadinessState
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _phase = (int)ReadinessPhase.Starting;

    public ReadinessPhase Phase => (ReadinessPhase)Volatile.Read(ref _phase);

    public bool IsReady => Phase == ReadinessPhase.Ready;

    /// <summary>Completes when the node first becomes ready; faults if start-up failed; cancels if it stopped first.</summary>
    public Task WhenReady => _ready.Task;

    /// <summary>Moves Starting → Ready; returns false when the node already left Starting.</summary>
    public bool MarkReady()
    {
        if (Interlocked.CompareExchange(ref _phase, (int)ReadinessPhase.Ready, (int)ReadinessPhase.Starting)
            != (int)ReadinessPhase.Starting)
        {
            return false;
        }

        _ready.TrySetResult();
        return true;
    }

    /// <summary>Moves Starting or Ready → Stopping.</summary>
    public void MarkStopping()
    {
        var current = Volatile.Read(ref _phase);
        while (current is (int)ReadinessPhase.Starting or (int)ReadinessPhase.Ready)
        {
            var seen = Interlocked.CompareExchange(ref _phase, (int)ReadinessPhase.Stopping, current);
            if (seen == current)
            {
                _ready.TrySetCanceled();
                return;
            }

            current = seen;
        }
    }

    /// <summary>Moves Starting → Failed, recording why.</summary>
    public void MarkFailed(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (Interlocked.CompareExchange(ref _phase, (int)ReadinessPhase.Failed, (int)ReadinessPhase.Starting)
            == (int)ReadinessPhase.Starting)
        {
            _ready.TrySetException(error);
        }
    }
}
