namespace ActorRec.Actors.Tests;

public sealed class WatchTests
{
    [Fact]
    public void Terminated_arrives_exactly_once_even_when_watched_twice()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var target = kit.ActorOf(Props.Create<EchoActor>());
        probe.Watch(target);
        probe.Watch(target);
        kit.AwaitIdle();
        kit.System.Stop(target);
        probe.ExpectTerminated(target);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Watching_an_already_dead_actor_gives_terminated()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var target = kit.ActorOf(Props.Create<EchoActor>());
        target.Tell(PoisonPill.Instance, null);
        kit.AwaitIdle();
        probe.Watch(target);
        Assert.Same(target, probe.ExpectTerminated(target).ActorRef);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Parent_watching_its_child_gets_one_terminated()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        kit.ActorOf(Props.Create(() => new WatchingParent(probe)));
        var child = probe.ExpectMsg<IActorRef>();
        child.Tell(PoisonPill.Instance, null);
        probe.ExpectMsg<Terminated>(t => ReferenceEquals(t.ActorRef, child));
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Unwatch_suppresses_terminated()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var target = kit.ActorOf(Props.Create<EchoActor>());
        probe.Watch(target);
        probe.Unwatch(target);
        kit.AwaitIdle();
        kit.System.Stop(target);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void PoisonPill_stops_after_earlier_messages_and_later_ones_are_dead_letters()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new ReportingActor(probe)));
        probe.ExpectMsg("prestart");
        probe.Watch(actor);
        actor.Tell("one", null);
        actor.Tell(PoisonPill.Instance, null);
        actor.Tell("two", null);
        probe.ExpectMsg("one");
        probe.ExpectMsg("poststop");
        probe.ExpectTerminated(actor);
        kit.AwaitIdle();
        Assert.Equal(1, kit.System.DeadLetterCount);
    }

    [Fact]
    public void Context_stop_of_self_stops_the_actor()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new SelfStopper()));
        probe.Watch(actor);
        actor.Tell("stop", null);
        probe.ExpectTerminated(actor);
    }

    private sealed class WatchingParent : ReceiveActor
    {
        public WatchingParent(IActorRef probe)
        {
            var child = Context.ActorOf(Props.Create<EchoActor>(), "child");
            Context.Watch(child);
            probe.Tell(child);
            Receive<Terminated>(t => probe.Tell(t));
        }
    }

    private sealed class SelfStopper : ReceiveActor
    {
        public SelfStopper() => Receive<string>(_ => Context.Stop(Self));
    }
}
