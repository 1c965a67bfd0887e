using ActorRec.Actors;

namespace ActorRec.Benchmarks.Actors;

/// <summary>The one message object every benchmark sends (so the benchmark itself allocates nothing per message).</summary>
internal sealed class BenchMessage
{
    public static readonly BenchMessage Instance = new();
}

internal sealed record StartPingPong(long RoundTrips, int InFlight, ManualResetEventSlim Done);

/// <summary>Replies to the sender with the message it got.</summary>
internal sealed class EchoActor : ReceiveActor
{
    public EchoActor() => Receive<BenchMessage>(m => Sender!.Tell(m, Self));
}

/// <summary>Keeps <c>InFlight</c> messages in flight to its echo until <c>RoundTrips</c> replies came back.</summary>
internal sealed class PingPongDriver : ReceiveActor
{
    private readonly IActorRef _echo;
    private long _toSend;
    private long _toReceive;
    private ManualResetEventSlim? _done;

    public PingPongDriver(IActorRef echo)
    {
        _echo = echo;
        Receive<StartPingPong>(Start);
        Receive<BenchMessage>(OnReply);
    }

    private void Start(StartPingPong start)
    {
        _toSend = start.RoundTrips;
        _toReceive = start.RoundTrips;
        _done = start.Done;
        var first = (int)Math.Min(start.InFlight, start.RoundTrips);
        for (var i = 0; i < first; i++)
        {
            _toSend--;
            _echo.Tell(BenchMessage.Instance, Self);
        }
    }

    private void OnReply(BenchMessage message)
    {
        if (--_toReceive == 0)
        {
            _done!.Set();
            return;
        }
        if (_toSend > 0)
        {
            _toSend--;
            _echo.Tell(message, Self);
        }
    }
}

/// <summary>Counts messages and signals when the expected number arrived.</summary>
internal sealed class CountingActor : ReceiveActor
{
    private long _count;

    public CountingActor(long expected, ManualResetEventSlim done) => Receive<BenchMessage>(_ =>
    {
        if (++_count == expected)
        {
            done.Set();
        }
    });
}

/// <summary>Shared countdowns of the fan-out benchmark.</summary>
internal sealed class FanOutLatch(int actors)
{
    public int NotStarted = actors;
    public int NotFinished = actors;
    public readonly ManualResetEventSlim AllStarted = new();
    public readonly ManualResetEventSlim AllFinished = new();
}

/// <summary>An actor with one int counter; counts down the shared latch on its tenth message.</summary>
internal sealed class FanOutActor : ReceiveActor
{
    private readonly FanOutLatch _latch;
    private int _count;

    public FanOutActor(FanOutLatch latch)
    {
        _latch = latch;
        Receive<BenchMessage>(_ =>
        {
            if (++_count == 10 && Interlocked.Decrement(ref _latch.NotFinished) == 0)
            {
                _latch.AllFinished.Set();
            }
        });
    }

    protected override void PreStart()
    {
        if (Interlocked.Decrement(ref _latch.NotStarted) == 0)
        {
            _latch.AllStarted.Set();
        }
    }
}
