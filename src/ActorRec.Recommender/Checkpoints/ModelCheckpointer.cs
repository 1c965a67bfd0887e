using ActorRec.Recommender.Reranking;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Recommender.Checkpoints;

/// <summary>
/// Keeps a node's learned in-memory state (<see cref="NodeModelState"/>) in one checkpoint file: <see cref="Restore"/>
/// once at start (after the catalog is loaded, so video keys map to rows), then <see cref="Start"/> writes one every
/// interval on the injected <see cref="TimeProvider"/>, and <see cref="StopAsync"/> writes a last one on graceful
/// shutdown. Writes are atomic (<see cref="CheckpointFile.Write"/>) and never overlap. With a history of N, each
/// checkpoint is also kept in <see cref="HistoryFolder"/> (<see cref="CheckpointHistory"/>), the newest N of them.
/// <para>
/// <b>A bad file never stops the node.</b> A corrupt, truncated, wrong-version or wrong-configuration checkpoint is
/// logged with its path and reason, renamed to <c>*.rejected</c> (kept for a look, and not overwritten by the next
/// checkpoint of the fresh model), and the node starts fresh. A failed write is logged and retried at the next tick.
/// </para>
/// </summary>
public sealed partial class ModelCheckpointer : IAsyncDisposable
{
    private readonly FeedPipeline _pipeline;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly int _history;
    private readonly Lock _saveLock = new();
    private ITimer? _timer;
    private bool _started;
    private bool _stopped;
    private long _written;

    /// <summary>Creates a checkpointer of <paramref name="pipeline"/>'s state in <paramref name="path"/>, every <paramref name="interval"/>, keeping the newest <paramref name="history"/> in <see cref="HistoryFolder"/> (0: none).</summary>
    public ModelCheckpointer(FeedPipeline pipeline, string path, TimeSpan interval, TimeProvider? time = null, ILogger? logger = null, int history = 0)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(history);
        _pipeline = pipeline;
        FilePath = Path.GetFullPath(path);
        _interval = interval;
        _time = time ?? TimeProvider.System;
        _log = logger ?? NullLogger.Instance;
        _history = history;
        HistoryFolder = CheckpointHistory.FolderFor(FilePath);
    }

    /// <summary>The checkpoint file.</summary>
    public string FilePath { get; }

    /// <summary>The folder of past checkpoints (<c>&lt;file&gt;.history</c>), written when the history is above 0.</summary>
    public string HistoryFolder { get; }

    /// <summary>Checkpoints written by this instance.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>
    /// Restores the state from <see cref="FilePath"/>; null when there is no file or it was rejected (logged, renamed
    /// to <c>*.rejected</c>, the state left as it was).
    /// </summary>
    public RestoredState? Restore()
    {
        try
        {
            var payload = CheckpointFile.Read(FilePath, NodeModelState.Version);
            if (payload is null)
            {
                LogNoCheckpoint(_log, FilePath);
                return null;
            }

            (Action apply, RestoredState restored) decoded;
            try
            {
                decoded = NodeModelState.Decode(_pipeline, payload);
            }
            catch (InvalidDataException e)
            {
                throw new CheckpointFormatException(FilePath, e.Message, e);
            }

            decoded.apply();
            LogRestored(_log, FilePath, payload.Length, decoded.restored.Model, decoded.restored.CoEngagement, decoded.restored.Placements, decoded.restored.Dropped);
            return decoded.restored;
        }
        catch (CheckpointFormatException e)
        {
            var kept = FilePath + ".rejected";
            try
            {
                File.Move(FilePath, kept, overwrite: true);
            }
            catch (Exception moveError) when (moveError is IOException or UnauthorizedAccessException)
            {
                kept = FilePath + " (could not be renamed: " + moveError.Message + ")";
            }

            LogRejected(_log, FilePath, e.Reason, kept);
            return null;
        }
    }

    /// <summary>Starts the periodic checkpoints (the first one interval from now).</summary>
    public void Start()
    {
        lock (_saveLock)
        {
            if (_started || _stopped)
            {
                return;
            }

            _started = true;
            _timer = _time.CreateTimer(static s => ((ModelCheckpointer)s!).Tick(), this, _interval, _interval);
        }
    }

    /// <summary>Writes a checkpoint now; false (logged) when the write failed.</summary>
    public bool Save()
    {
        lock (_saveLock)
        {
            try
            {
                var capturedAt = _time.GetUtcNow();
                var payload = NodeModelState.Capture(_pipeline);
                CheckpointFile.Write(FilePath, NodeModelState.Version, payload);
                Interlocked.Increment(ref _written);
                LogWritten(_log, FilePath, payload.Length);
                if (_history > 0)
                {
                    SaveHistory(capturedAt, payload);
                }

                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                LogWriteFailed(_log, FilePath, e);
                return false;
            }
        }
    }

    /// <summary>Stops the periodic checkpoints and, when they were started, writes the last one (graceful shutdown).</summary>
    public async ValueTask StopAsync()
    {
        ITimer? timer;
        bool save;
        lock (_saveLock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            save = _started;
            timer = _timer;
            _timer = null;
        }

        if (timer is not null)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        if (save)
        {
            Save();
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => StopAsync();

    /// <summary>Keeps a copy in the history; a failure there is logged and does not fail the checkpoint itself.</summary>
    private void SaveHistory(DateTimeOffset capturedAt, byte[] payload)
    {
        try
        {
            CheckpointHistory.Add(HistoryFolder, capturedAt, NodeModelState.Version, payload, _history);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogHistoryFailed(_log, HistoryFolder, e);
        }
    }

    private void Tick()
    {
        lock (_saveLock)
        {
            if (_stopped)
            {
                return;
            }
        }

        Save();
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "No model checkpoint at {Path}: the node starts with a fresh ranking model, co-engagement table and placement counts")]
    private static partial void LogNoCheckpoint(ILogger logger, string path);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Model checkpoint {Path} restored ({Bytes} bytes): model {Model}, co-engagement {CoEngagement}, placements {Placements}; {Dropped} entries named videos no longer here")]
    private static partial void LogRestored(ILogger logger, string path, int bytes, bool model, bool coEngagement, bool placements, int dropped);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "Model checkpoint {Path} rejected: {Reason}. The node starts fresh; the file is kept as {Kept}")]
    private static partial void LogRejected(ILogger logger, string path, string reason, string kept);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Debug, Message = "Model checkpoint written to {Path} ({Bytes} bytes)")]
    private static partial void LogWritten(ILogger logger, string path, int bytes);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Model checkpoint {Path} could not be written; the previous one stays in place")]
    private static partial void LogWriteFailed(ILogger logger, string path, Exception error);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "Model checkpoint history {Folder} could not be written; replayed feeds use an older checkpoint")]
    private static partial void LogHistoryFailed(ILogger logger, string folder, Exception error);
}
