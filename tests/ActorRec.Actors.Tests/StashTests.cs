namespace ActorRec.Actors.Tests;

public sealed class StashTests
{
    [Fact]
    public void Unstashed_messages_come_before_newer_mailbox_messages_in_original_order()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new GateActor(probe)));
        actor.Tell("a", null);
        actor.Tell("b", null);
        actor.Tell("c", null);
        kit.AwaitIdle();
        actor.Tell("open", null);
        actor.Tell("d", null);
        Assert.Equal(["a", "b", "c", "d"], probe.ReceiveN(4));
    }

    [Fact]
    public void Stash_survives_a_restart()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new GateActor(probe)));
        actor.Tell("a", null);
        actor.Tell(new Boom("restart me"), null);
        actor.Tell("open", null);
        probe.ExpectMsg("a");
    }

    [Fact]
    public void Stashing_twice_throws_and_clear_returns_messages()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new DoubleStashActor(probe)));
        actor.Tell("x", null);
        probe.ExpectMsg("second stash threw");
        probe.ExpectMsg("cleared 1");
    }

    private sealed class GateActor : ReceiveActor
    {
        public GateActor(IActorRef probe)
        {
            Receive<Boom>(b => throw new InvalidOperationException(b.Reason));
            Receive<string>(
                _ =>
                {
                    Become(() => Receive<string>(s => probe.Tell(s)));
                    Stash.UnstashAll();
                },
                s => s == "open");
            Receive<string>(_ => Stash.Stash());
        }
    }

    private sealed class DoubleStashActor : ReceiveActor
    {
        public DoubleStashActor(IActorRef probe) => Receive<string>(_ =>
        {
            Stash.Stash();
            try
            {
                Stash.Stash();
            }
            catch (InvalidOperationException)
            {
                probe.Tell("second stash threw");
            }
            probe.Tell($"cleared {Stash.ClearStash().Count}");
        });
    }
}
