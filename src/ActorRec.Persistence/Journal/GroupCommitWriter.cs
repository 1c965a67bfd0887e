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
        TimeProvider time,
        ILogger logger)
    {
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
        var pending = new Pending(write);
        if (!_channel.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(GroupCommitWriter), "The journal is closed.");
        }

        return pending.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        ChannelReader<Pending> reader = _channel.Reader;
        var batch = new List<Pending>(Math.Min(_maxRows, 4096));
        Pending? carry = null;
        while (carry is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            long rows = 0;
            long bytes = 0;
            if (carry is not null)
            {
                batch.Add(carry);
                rows = carry.Write.Events.Count;
                bytes = carry.Write.PayloadBytes;
                carry = null;
            }

            carry = Drain(reader, batch, ref rows, ref bytes);
            if (_window > TimeSpan.Zero && carry is null && rows < _maxRows && bytes < _maxBytes)
            {
                await Task.Delay(_window, _time).ConfigureAwait(false);
                carry = Drain(reader, batch, ref rows, ref bytes);
            }

            if (batch.Count > 0)
            {
                await CommitAsync(batch, rows).ConfigureAwait(false);
            }
        }
    }

    private Pending? Drain(ChannelReader<Pending> reader, List<Pending> batch, ref long rows, ref long bytes)
    {
        while (rows < _maxRows && bytes < _maxBytes && reader.TryRead(out Pending? next))
        {
            int n = next.Write.Events.Count;
            if (batch.Count > 0 && (rows + n > _maxRows || bytes + next.Write.PayloadBytes > _maxBytes))
            {
                return next;
            }

            batch.Add(next);
            rows += n;
            bytes += next.Write.PayloadBytes;
        }

        return null;
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
                    batch[i].Done.TrySetResult();
                }
                else
                {
                    batch[i].Done.TrySetException(error);
                }
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
            batch[0].Done.TrySetException(ex);
        }

        _afterCommit();
    }

    private async Task CommitAloneAsync(Pending pending)
    {
        try
        {
            Exception?[]? results = await _commit([pending.Write], CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _commits);
            if (results?[0] is { } error)
            {
                pending.Done.TrySetException(error);
            }
            else
            {
                Interlocked.Add(ref _rows, pending.Write.Events.Count);
                pending.Done.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            pending.Done.TrySetException(ex);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Group commit of {Writes} writes ({Rows} rows) failed; retrying each write alone")]
    private static partial void LogBatchFailed(ILogger logger, int writes, long rows, Exception error);

    private sealed class Pending(AtomicWrite write)
    {
        public AtomicWrite Write { get; } = write;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
