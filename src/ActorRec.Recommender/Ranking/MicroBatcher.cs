namespace ActorRec.Recommender.Ranking;

/// <summary>
/// Collects requests into batches: the first request of a batch arms a timer of <c>window</c>; the batch is handed
/// to the handler when the timer fires or as soon as it holds <c>maxBatch</c> requests, whichever comes first.
/// Every request gets its own task, completed with its result (or the handler's exception).
/// <para>
/// Correctness: the pending batch is an object; its timer carries that object as state, and a timer callback only
/// flushes the batch it was armed for (a batch already flushed because it filled up is not the current one any
/// more, so its late timer does nothing). The handler runs outside the lock, on the thread that filled the batch or
/// on the timer's thread. Time comes from the injected <see cref="TimeProvider"/>, so tests drive it virtually.
/// Task continuations run asynchronously, never inside the handler's thread.
/// </para>
/// </summary>
public sealed class MicroBatcher<TRequest, TResult> : IDisposable
{
    private readonly Func<IReadOnlyList<TRequest>, IReadOnlyList<TResult>> _handler;
    private readonly TimeSpan _window;
    private readonly int _maxBatch;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Batch? _current;
    private bool _disposed;
    private long _batches;
    private long _requests;

    public MicroBatcher(Func<IReadOnlyList<TRequest>, IReadOnlyList<TResult>> handler, TimeSpan window, int maxBatch, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "window must be positive");
        }

        _handler = handler;
        _window = window;
        _maxBatch = maxBatch;
        _time = time;
    }

    /// <summary>Batches handed to the handler so far.</summary>
    public long BatchCount => Interlocked.Read(ref _batches);

    /// <summary>Requests handed to the handler so far.</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    public Task<TResult> Submit(TRequest request)
    {
        var tcs = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Batch? full = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current is null)
            {
                _current = new Batch(this, _maxBatch);
                _current.Timer = _time.CreateTimer(static s => ((Batch)s!).Owner.OnTimer((Batch)s!), _current, _window, Timeout.InfiniteTimeSpan);
            }

            _current.Requests.Add(request);
            _current.Waiters.Add(tcs);
            if (_current.Requests.Count >= _maxBatch)
            {
                full = _current;
                _current = null;
            }
        }

        if (full is not null)
        {
            full.Timer?.Dispose();
            Run(full);
        }

        return tcs.Task;
    }

    public void Dispose()
    {
        Batch? pending;
        lock (_lock)
        {
            _disposed = true;
            pending = _current;
            _current = null;
        }

        if (pending is not null)
        {
            pending.Timer?.Dispose();
            foreach (var w in pending.Waiters)
            {
                w.TrySetException(new ObjectDisposedException(nameof(MicroBatcher<TRequest, TResult>)));
            }
        }
    }

    private void OnTimer(Batch batch)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_current, batch))
            {
                return;
            }

            _current = null;
        }

        batch.Timer?.Dispose();
        Run(batch);
    }

    private void Run(Batch batch)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _requests, batch.Requests.Count);
        IReadOnlyList<TResult> results;
        try
        {
            results = _handler(batch.Requests);
            if (results is null || results.Count != batch.Requests.Count)
            {
                throw new InvalidOperationException($"batch handler returned {results?.Count ?? 0} results for {batch.Requests.Count} requests");
            }
        }
        catch (Exception ex)
        {
            foreach (var w in batch.Waiters)
            {
                w.TrySetException(ex);
            }

            return;
        }

        for (var i = 0; i < batch.Waiters.Count; i++)
        {
            batch.Waiters[i].TrySetResult(results[i]);
        }
    }

    private sealed class Batch(MicroBatcher<TRequest, TResult> owner, int capacity)
    {
        public MicroBatcher<TRequest, TResult> Owner { get; } = owner;

        public List<TRequest> Requests { get; } = new(capacity);

        public List<TaskCompletionSource<TResult>> Waiters { get; } = new(capacity);

        public ITimer? Timer { get; set; }
    }
}
