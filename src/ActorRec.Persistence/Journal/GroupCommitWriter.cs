using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ActorRec.Persistence.Journal;

/// <summary>
/// The single writer loop of a journal: coalesces atomic writes from many actors into one transaction.
/// </summary>
/// <remarks>
/// <para>Callers enqueue into an unbounded channel and await a task. The loop takes everything queued (up to
/// max rows / max bytes), optionally waits a short window for more, and hands the batch to the store, which commits
/// it in ONE transaction. While a commit runs, new writes pile up in the channel, so the batch size grows with load
/// by itself ("natural batching"); the window only helps when the load is light but latency is cheap.</para>
/// <para>A caller's task completes only after the store's commit returned, i.e. after the transaction is durable
/// (for SQLite: WAL fsync with synchronous=FULL). The store may reject single writes that break the sequence
/// or epoch rules without failing the others (per-write results). When the transaction itself fails (I/O error,
/// a unique violation raced by another node), the batch was rolled back entirely and every write of it is retried
/// alone, so one bad write fails only itself. Writes are never reordered for the same persistence id.</para>
/// <para><b>Pipelining.</b> With <c>maxInFlight</c> above 1 the loop forms and hands over the next batch while earlier
/// ones are still committing (a store whose commit waits on a server and an fsync then overlaps that wait with the next
/// batch's work). Batches in flight never share a persistence id: a write whose id is in flight, or whose id has an
/// older write held back, is held back (in arrival order) until that batch finished, so the writes of one id still
/// reach the store one transaction after the other and in order.</para>
/// <para>Cancellation is honoured only before a write is queued: once queued it may already be committed.</para>
/// </remarks>
internal sealed partial class GroupCommitWriter : IAsyncDisposable
{
    private readonly Channel<Pending> _channel = Channel.CreateUnbounded<Pending>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private readonly Func<IReadOnlyList<AtomicWrite>, CancellationToken, Task<Exception?[]?>> _commit;
    private readonly Action _afterCommit;
    private readonly int _maxRows;
    private readonly long _maxBytes;
    private readonly TimeSpan _window;
    private readonly int _maxInFlight;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Task _loop;
    private long _commits;
    private long _rows;

    public GroupCommitWriter(
        Func<IReadOnlyList<AtomicWrite>, CancellationToken, Task<Exception?[]?>> commit,
        Action afterCommit,
        int maxRows,
        long maxBytes,
        TimeSpan window,
        int maxInFlight,
        TimeProvider time,
        ILogger logger)
    {
        _maxInFlight = maxInFlight;
        _commit = commit;
        _afterCommit = afterCommit;
        _maxRows = maxRows;
        _maxBytes = maxBytes;
        _window = window;
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions committed so far.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Rows committed so far.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    public Task EnqueueAsync(AtomicWrite write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_channel.Writer.TryWrite(new Pending(write, done, null, 0)))
        {
            throw new ObjectDisposedException(nameof(GroupCommitWriter), "The journal is closed.");
        }

        return done.Task;
    }

    /// <summary>
    /// Queues a write whose outcome is reported to <paramref name="callback"/> (with <paramref name="index"/>) on the
    /// writer's own thread, right after the commit: no task, no thread-pool hop. The callback must be quick and must
    /// never block (a persistent actor's tells its own mailbox). A closed writer reports <see cref="ObjectDisposedException"/>
    /// to the callback at once.
    /// </summary>
    public void Enqueue(AtomicWrite write, IWriteCallback callback, int index)
    {
        if (!_channel.Writer.TryWrite(new Pending(write, null, callback, index)))
        {
            callback.OnWriteCompleted(index, new ObjectDisposedException(nameof(GroupCommitWriter), "The journal is closed."));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        ChannelReader<Pending> reader = _channel.Reader;
        var inFlight = new List<InFlight>(_maxInFlight);
        var busy = new HashSet<string>(StringComparer.Ordinal);
        var held = new List<Pending>();
        var heldIds = new HashSet<string>(StringComparer.Ordinal);
        Task<bool>? readable = null;
        bool open = true;
        while (true)
        {
            while (inFlight.Count >= _maxInFlight)
            {
                await RetireAsync(inFlight, busy).ConfigureAwait(false);
            }

            var batch = new List<Pending>();
            long rows = 0;
            long bytes = 0;
            TakeHeld(held, heldIds, busy, batch, ref rows, ref bytes);
            bool full = Drain(reader, busy, held, heldIds, batch, ref rows, ref bytes);
            if (batch.Count == 0)
            {
                if (!open && inFlight.Count == 0)
                {
                    if (held.Count == 0)
                    {
                        return;
                    }

                    continue;
                }

                if (readable is null || readable.IsCompleted)
                {
                    readable = reader.WaitToReadAsync().AsTask();
                }

                await WaitForWorkAsync(readable, inFlight, busy).ConfigureAwait(false);
                open = !(readable.IsCompleted && !readable.Result);
                continue;
            }

            if (_window > TimeSpan.Zero && !full)
            {
                await Task.Delay(_window, _time).ConfigureAwait(false);
                Drain(reader, busy, held, heldIds, batch, ref rows, ref bytes);
            }

            foreach (Pending pending in batch)
            {
                busy.Add(pending.Write.PersistenceId);
            }

            inFlight.Add(new InFlight(batch, CommitAsync(batch, rows)));
        }
    }

    /// <summary>
    /// Waits until the channel has a write (or completed) or an in-flight commit finished (and retires it).
    /// <paramref name="readable"/> is the loop's one outstanding WaitToReadAsync: a single-reader channel reuses its
    /// waiter, so a second wait must never be requested while an earlier one is still pending.
    /// </summary>
    private static async Task WaitForWorkAsync(Task<bool> readable, List<InFlight> inFlight, HashSet<string> busy)
    {
        if (inFlight.Count == 0)
        {
            await readable.ConfigureAwait(false);
            return;
        }

        if (readable.IsCompleted)
        {
            if (!readable.Result)
            {
                await RetireAsync(inFlight, busy).ConfigureAwait(false);
            }

            return;
        }

        Task firstDone = inFlight.Count == 1 ? inFlight[0].Commit : Task.WhenAny(InFlightTasks(inFlight));
        if (await Task.WhenAny(readable, firstDone).ConfigureAwait(false) == firstDone)
        {
            await RetireAsync(inFlight, busy).ConfigureAwait(false);
        }
    }

    private static Task[] InFlightTasks(List<InFlight> inFlight)
    {
        var tasks = new Task[inFlight.Count];
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = inFlight[i].Commit;
        }

        return tasks;
    }

    /// <summary>Waits for the first in-flight commit to finish and frees its persistence ids.</summary>
    private static async Task RetireAsync(List<InFlight> inFlight, HashSet<string> busy)
    {
        Task done = inFlight.Count == 1 ? inFlight[0].Commit : await Task.WhenAny(InFlightTasks(inFlight)).ConfigureAwait(false);
        await done.ConfigureAwait(false);
        for (int i = 0; i < inFlight.Count; i++)
        {
            if (inFlight[i].Commit == done)
            {
                foreach (Pending pending in inFlight[i].Batch)
                {
                    busy.Remove(pending.Write.PersistenceId);
                }

                inFlight.RemoveAt(i);
                return;
            }
        }
    }

    /// <summary>
    /// Moves held writes into the batch in arrival order, except those whose id is in flight, or that no longer fit,
    /// or that follow a kept write of the same id; <paramref name="heldIds"/> is rebuilt to the ids still held.
    /// </summary>
    private void TakeHeld(List<Pending> held, HashSet<string> heldIds, HashSet<string> busy, List<Pending> batch, ref long rows, ref long bytes)
    {
        heldIds.Clear();
        int kept = 0;
        for (int i = 0; i < held.Count; i++)
        {
            Pending next = held[i];
            string pid = next.Write.PersistenceId;
            int n = next.Write.Events.Count;
            bool fits = batch.Count == 0 || (rows + n <= _maxRows && bytes + next.Write.PayloadBytes <= _maxBytes);
            if (fits && !busy.Contains(pid) && !heldIds.Contains(pid))
            {
                batch.Add(next);
                rows += n;
                bytes += next.Write.PayloadBytes;
            }
            else
            {
                held[kept++] = next;
                heldIds.Add(pid);
            }
        }

        held.RemoveRange(kept, held.Count - kept);
    }

    /// <summary>
    /// Moves queued writes into the batch until it is full. A write whose id is in an in-flight batch, or has an older
    /// write held, is held back too, so the writes of one id reach the store in order and never in two transactions
    /// at once. Returns true when the batch is full.
    /// </summary>
    private bool Drain(ChannelReader<Pending> reader, HashSet<string> busy, List<Pending> held, HashSet<string> heldIds, List<Pending> batch,
        ref long rows, ref long bytes)
    {
        while (rows < _maxRows && bytes < _maxBytes && reader.TryRead(out Pending? next))
        {
            string pid = next.Write.PersistenceId;
            int n = next.Write.Events.Count;
            if (busy.Contains(pid) || heldIds.Contains(pid) || (batch.Count > 0 && (rows + n > _maxRows || bytes + next.Write.PayloadBytes > _maxBytes)))
            {
                held.Add(next);
                heldIds.Add(pid);
                continue;
            }

            batch.Add(next);
            rows += n;
            bytes += next.Write.PayloadBytes;
        }

        return rows >= _maxRows || bytes >= _maxBytes;
    }

    private async Task CommitAsync(List<Pending> batch, long rows)
    {
        var writes = new AtomicWrite[batch.Count];
        for (int i = 0; i < writes.Length; i++)
        {
            writes[i] = batch[i].Write;
        }

        try
        {
            Exception?[]? results = await _commit(writes, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _commits);
            for (int i = 0; i < batch.Count; i++)
            {
                Exception? error = results?[i];
                if (error is null)
                {
                    Interlocked.Add(ref _rows, batch[i].Write.Events.Count);
                }

                Complete(batch[i], error);
            }
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            LogBatchFailed(_logger, batch.Count, rows, ex);
            foreach (Pending pending in batch)
            {
                await CommitAloneAsync(pending).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Complete(batch[0], ex);
        }

        _afterCommit();
    }

    private async Task CommitAloneAsync(Pending pending)
    {
        try
        {
            Exception?[]? results = await _commit([pending.Write], CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _commits);
            Exception? error = results?[0];
            if (error is null)
            {
                Interlocked.Add(ref _rows, pending.Write.Events.Count);
            }

            Complete(pending, error);
        }
        catch (Exception ex)
        {
            Complete(pending, ex);
        }
    }

    /// <summary>Reports a write's outcome to its task or its callback (a throwing callback is logged, never propagated).</summary>
    private void Complete(Pending pending, Exception? error)
    {
        if (pending.Callback is { } callback)
        {
            try
            {
                callback.OnWriteCompleted(pending.Index, error);
            }
            catch (Exception ex)
            {
                LogCallbackFailed(_logger, pending.Write.PersistenceId, ex);
            }
        }
        else if (error is null)
        {
            pending.Done!.TrySetResult();
        }
        else
        {
            pending.Done!.TrySetException(error);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Group commit of {Writes} writes ({Rows} rows) failed; retrying each write alone")]
    private static partial void LogBatchFailed(ILogger logger, int writes, long rows, Exception error);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "A write callback of '{PersistenceId}' threw")]
    private static partial void LogCallbackFailed(ILogger logger, string persistenceId, Exception error);

    private sealed record InFlight(List<Pending> Batch, Task Commit);

    /// <summary>A queued write and whom to tell: a task (<see cref="EnqueueAsync"/>) or a callback (<see cref="Enqueue"/>).</summary>
    private sealed class Pending(AtomicWrite write, TaskCompletionSource? done, IWriteCallback? callback, int index)
    {
        public AtomicWrite Write { get; } = write;

        public TaskCompletionSource? Done { get; } = done;

        public IWriteCallback? Callback { get; } = callback;

        public int Index { get; } = index;
    }
}
