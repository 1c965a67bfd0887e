namespace ActorRec.Actors.Tests;

/// <summary>
/// The runtime runs an idle actor woken by the last Tell of a turn on the same thread when that turn ends. These
/// tests pin down that the woken actor still runs when the teller goes on with other messages (even blocking ones),
/// and that long hand-off chains deliver every message in order.
/// </summary>
public sealed class HandOffTests
{
    private sealed record Go(IActorRef Target);

    private sealed record WaitFor(ManualResetEventSlim Signal);

    /// <summary>Blocks its turn on the first message until the test opens the gate, then handles the rest.</summary>
    private sealed class TellThenBlockActor : ReceiveActor
    {
        public TellThenBlockActor(ManualResetEventSlim gate, IActorRef probe)
        {
            Receive<string>(_ => gate.Wait(TimeSpan.FromSeconds(10)));
            Receive<Go>(g => g.Target.Tell("ping", Self));
            Receive<WaitFor>(w => probe.Tell(w.Signal.Wait(TimeSpan.FromSeconds(10)) ? "signalled" : "starved", Self));
        }
    }

    private sealed class SignallingActor : ReceiveActor
    {
        public SignallingActor(ManualResetEventSlim signal) => Receive<string>(_ => signal.Set());
    }

    private sealed record Hit(int N);

    /// <summary>Bounces numbered hits back to its sender until the limit, then reports every number it saw in order.</summary>
    private sealed class BouncingActor : ReceiveActor
    {
        private int _expected;

        public BouncingActor(int first, int limit, IActorRef probe)
        {
            _expected = first;
            Receive<Hit>(h =>
            {
                if (h.N != _expected)
                {
                    probe.Tell($"out of order: {h.N} instead of {_expected}", Self);
                }
                _expected = h.N + 2;
                if (h.N >= limit)
                {
                    probe.Tell(h.N, Self);
                    return;
                }
                Sender!.Tell(new Hit(h.N + 1), Self);
            });
            Receive<IActorRef>(peer => peer.Tell(new Hit(0), Self));
        }
    }

    [Fact]
    public void Woken_actor_runs_while_the_teller_goes_on_with_more_messages()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        using var gate = new ManualResetEventSlim();
        using var signal = new ManualResetEventSlim();
        var target = kit.ActorOf(Props.Create(() => new SignallingActor(signal)));
        var teller = kit.ActorOf(Props.Create(() => new TellThenBlockActor(gate, probe)));
        teller.Tell("hold", null);
        teller.Tell(new Go(target), null);
        teller.Tell(new WaitFor(signal), null);
        gate.Set();
        probe.ExpectMsg("signalled");
    }

    [Fact]
    public void Long_hand_off_chains_deliver_every_message_in_order()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        const int limit = 20_000;
        var a = kit.ActorOf(Props.Create(() => new BouncingActor(1, limit, probe)));
        var b = kit.ActorOf(Props.Create(() => new BouncingActor(0, limit, probe)));
        // b receives the even hits 0, 2, ... and a the odd ones.
        a.Tell(b, null);
        probe.ExpectMsg(limit);
    }
}
