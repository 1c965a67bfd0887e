namespace ActorRec.Persistence.Journal;

/// <summary>
/// Wakes live queries after each commit of this process. Take <see cref="Next"/> BEFORE reading, then wait on it when
/// the read found nothing new: a commit between the read and the wait still completes the task taken earlier.
/// Live queries also poll (commits from other processes do not signal here).
/// </summary>
internal sealed class CommitNotifier
{
    private TaskCompletionSource _next = NewSource();

    public Task Next => Volatile.Read(ref _next).Task;

    public void Signal()
    {
        TaskCompletionSource previous = Interlocked.Exchange(ref _next, NewSource());
        previous.TrySetResult();
    }

    public static async Task WaitAsync(Task signal, TimeSpan pollInterval, TimeProvider time, CancellationToken cancellationToken)
    {
        if (signal.IsCompleted)
        {
            return;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task delay = Task.Delay(pollInterval, time, cts.Token);
        await Task.WhenAny(signal, delay).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
