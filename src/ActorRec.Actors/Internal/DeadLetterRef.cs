using Microsoft.Extensions.Logging;

namespace ActorRec.Actors.Internal;

/// <summary>
/// Where undeliverable messages go. Every dead letter is counted and published on the event stream; the log is
/// limited to <see cref="ActorSystemSettings.DeadLetterLogRate"/> lines per second (time from the system's
/// TimeProvider), and the number of suppressed lines is logged when the next window opens. An ask whose request ends
/// here fails at once with <see cref="RecipientTerminatedException"/>.
/// </summary>
internal sealed class DeadLetterRef : IActorRef
{
    private readonly ActorSystem _system;
    private readonly Lock _logLock = new();
    private long _count;
    private long _windowStart;
    private int _loggedInWindow;
    private long _suppressed;

    public DeadLetterRef(ActorSystem system, ActorPath path)
    {
        _system = system;
        Path = path;
        _windowStart = system.TimeProvider.GetTimestamp();
    }

    public ActorPath Path { get; }

    public ActorSystem System => _system;

    public long Count => Interlocked.Read(ref _count);

    public void Tell(object message, IActorRef? sender) => Publish(message ?? throw new ArgumentNullException(nameof(message)), sender, this);

    public void Publish(object message, IActorRef? sender, IActorRef recipient)
    {
        if (message is InternalMessage)
        {
            return;
        }
        if (sender is IPromiseRef promise)
        {
            promise.FailRecipientTerminated(recipient);
        }
        var count = Interlocked.Increment(ref _count);
        var rate = _system.Settings.DeadLetterLogRate;
        if (rate > 0 && _system.Logger.IsEnabled(LogLevel.Information))
        {
            Log(message, sender, recipient, count, rate);
        }
        _system.EventStream.PublishIfSubscribed(message, sender, recipient, unhandled: false);
    }

    /// <summary>Logs the count of suppressed lines that no later dead letter reported (at shutdown).</summary>
    public void Flush()
    {
        long suppressed;
        lock (_logLock)
        {
            suppressed = _suppressed;
            _suppressed = 0;
        }
        if (suppressed > 0)
        {
            ActorLog.DeadLettersSuppressed(_system.Logger, suppressed, _system.Settings.DeadLetterLogRate, Count);
        }
    }

    private void Log(object message, IActorRef? sender, IActorRef recipient, long count, int rate)
    {
        long suppressed = 0;
        bool log;
        lock (_logLock)
        {
            var now = _system.TimeProvider.GetTimestamp();
            if (_system.TimeProvider.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _loggedInWindow = 0;
                suppressed = _suppressed;
                _suppressed = 0;
            }
            log = _loggedInWindow < rate;
            if (log)
            {
                _loggedInWindow++;
            }
            else
            {
                _suppressed++;
            }
        }
        if (suppressed > 0)
        {
            ActorLog.DeadLettersSuppressed(_system.Logger, suppressed, rate, count);
        }
        if (log)
        {
            ActorLog.DeadLetter(_system.Logger, message.GetType().Name, sender?.Path.ToString() ?? "NoSender", recipient.Path.ToString(), count);
        }
    }

    public override string ToString() => Path.ToString();
}
