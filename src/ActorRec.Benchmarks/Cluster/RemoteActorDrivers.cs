using ActorRec.Actors;

namespace ActorRec.Benchmarks.Cluster;

/// <summary>Starts a driver actor's run.</summary>
public sealed class StartRun
{
    private StartRun()
    {
    }

    public static StartRun Instance { get; } = new();
}

/// <summary>
/// One-way: keeps up to <c>window</c> unacknowledged messages in flight to the remote counter (flow control by the
/// counter's acks, so the bounded transport queue never overflows); done when <c>total</c> are acknowledged.
/// </summary>
public sealed class OneWayDriver(IActorRef counter, long total, long window, TaskCompletionSource done) : ActorBase
{
    private long _sent;

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case StartRun:
                Fill(0);
                return true;
            case BenchAck ack:
                if (ack.Count >= total)
                {
                    done.TrySetResult();
                }
                else
                {
                    Fill(ack.Count);
                }

                return true;
            default:
                return false;
        }
    }

    private void Fill(long acknowledged)
    {
        var self = Self;
        while (_sent < total && _sent - acknowledged < window)
        {
            counter.Tell(BenchMessage.Instance, self);
            _sent++;
        }
    }
}

/// <summary>Ping-pong: <c>inFlight</c> pings outstanding at all times; done when <c>total</c> pongs came back.</summary>
public sealed class PingPongDriver(IActorRef echo, long total, int inFlight, TaskCompletionSource done) : ActorBase
{
    private static readonly BenchPing Ping = new(1);
    private long _sent;
    private long _received;

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case StartRun:
                for (var i = 0; i < inFlight && _sent < total; i++, _sent++)
                {
                    echo.Tell(Ping, Self);
                }

                return true;
            case BenchPing:
                if (++_received == total)
                {
                    done.TrySetResult();
                }
                else if (_sent < total)
                {
                    _sent++;
                    echo.Tell(Ping, Self);
                }

                return true;
            default:
                return false;
        }
    }
}
