using Microsoft.Extensions.Logging;

namespace ActorRec.Actors.TestKit;

/// <summary>
/// Owns an actor system on a <see cref="VirtualTimeProvider"/> for one test, with helpers that wait on events and
/// conditions without sleeping (spinning and yielding, with the real clock only as a failure guard). Dispose shuts the
/// system down.
/// </summary>
public sealed class ActorTestKit : IAsyncDisposable, IDisposable
{
    public ActorTestKit(string name = "test", ActorSystemSettings? settings = null, ILoggerFactory? loggerFactory = null, TimeSpan? defaultTimeout = null)
    {
        Time = new VirtualTimeProvider();
        DefaultTimeout = defaultTimeout ?? TimeSpan.FromSeconds(10);
        System = ActorSystem.CreateTracked(name, settings, Time, loggerFactory);
    }

    public ActorSystem System { get; }

    public VirtualTimeProvider Time { get; }

    /// <summary>The failure guard of waits that are given no timeout.</summary>
    public TimeSpan DefaultTimeout { get; }

    public TestProbe CreateTestProbe(string? name = null) => new(System, name, DefaultTimeout);

    public IActorRef ActorOf(Props props, string? name = null) => System.ActorOf(props, name);

    /// <summary>
    /// Waits until every actor is idle, advances virtual time (firing due timers) and waits until every actor is idle
    /// again. Use <see cref="VirtualTimeProvider.Advance"/> directly to move time while actors are busy.
    /// </summary>
    public void Advance(TimeSpan delta)
    {
        AwaitIdle();
        Time.Advance(delta);
        AwaitIdle();
    }

    /// <summary>Waits until no actor is scheduled or running.</summary>
    public void AwaitIdle(TimeSpan? guard = null) => AwaitIdle(System, guard ?? DefaultTimeout);

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? guard = null, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = guard ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        var spin = default(SpinWait);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TestKitException($"Condition {what ?? "(unnamed)"} did not hold within {limit}.");
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Waits for the task and returns its result (rethrowing its exception).</summary>
    public T Await<T>(Task<T> task, TimeSpan? guard = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        Await((Task)task, guard);
        return task.Result;
    }

    /// <summary>Waits for the task (rethrowing its exception).</summary>
    public void Await(Task task, TimeSpan? guard = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        var limit = guard ?? DefaultTimeout;
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(limit))
        {
            throw new TestKitException($"The task did not complete within {limit}.");
        }
        task.GetAwaiter().GetResult();
    }

    internal static void AwaitIdle(ActorSystem system, TimeSpan guard)
    {
        var deadline = DateTime.UtcNow + guard;
        var spin = default(SpinWait);
        while (Volatile.Read(ref system.ActiveCells) > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TestKitException($"Actors were still busy after {guard}.");
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        var terminated = System.Terminate();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await Task.WhenAny(terminated, Task.Delay(DefaultTimeout)).ConfigureAwait(false) == terminated)
            {
                return;
            }
            // Something did not drain: let the virtual shutdown timeout pass so that shutdown moves on.
            Time.Advance(System.Settings.ShutdownTimeout);
        }
        throw new TestKitException($"The actor system {System.Name} did not terminate.");
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
