using ActorRec.Actors.TestKit;

namespace ActorRec.Actors.Tests;

public sealed record Ping(int N);

public sealed record Pong(int N);

public sealed record Boom(string Reason);

public sealed record GetState;

/// <summary>Replies with whatever it gets.</summary>
public sealed class EchoActor : ReceiveActor
{
    public EchoActor() => ReceiveAny(m => Sender?.Tell(m, Self));
}

/// <summary>Forwards every message (and its lifecycle events) to a probe.</summary>
public sealed class ReportingActor : ReceiveActor
{
    private readonly IActorRef _probe;
    private int _count;

    public ReportingActor(IActorRef probe)
    {
        _probe = probe;
        Receive<Boom>(b => throw new InvalidOperationException(b.Reason));
        Receive<GetState>(_ => Sender?.Tell(_count, Self));
        ReceiveAny(m =>
        {
            _count++;
            _probe.Tell(m, Self);
        });
    }

    protected override void PreStart() => _probe.Tell("prestart", Self);

    protected override void PostStop() => _probe.Tell("poststop", Self);

    protected override void PreRestart(Exception reason, object? message)
    {
        _probe.Tell($"prerestart:{reason.Message}:{message}", Self);
        base.PreRestart(reason, message);
    }

    protected override void PostRestart(Exception reason)
    {
        _probe.Tell("postrestart", Self);
        base.PostRestart(reason);
    }
}

/// <summary>Creates children on demand and supervises them with the given strategy.</summary>
public sealed class SupervisorActor : ReceiveActor
{
    private readonly SupervisorStrategy _strategy;

    public SupervisorActor(SupervisorStrategy strategy)
    {
        _strategy = strategy;
        Receive<Props>(p => Sender?.Tell(Context.ActorOf(p), Self));
    }

    protected override SupervisorStrategy SupervisorStrategy() => _strategy;
}

internal static class Kit
{
    public static ActorTestKit New(ActorSystemSettings? settings = null) => new("t", settings);
}
