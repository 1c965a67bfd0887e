namespace ActorRec.Actors.Tests;

public sealed class SupervisionTests
{
    private static IActorRef Child(ActorTestKitShim kit, SupervisorStrategy strategy, IActorRef probe)
    {
        var supervisor = kit.Kit.ActorOf(Props.Create(() => new SupervisorActor(strategy)));
        return kit.Kit.Await(supervisor.Ask<IActorRef>(Props.Create(() => new ReportingActor(probe))));
    }

    [Fact]
    public void Restart_keeps_the_mailbox_and_drops_only_the_failing_message()
    {
        using var shim = new ActorTestKitShim();
        var probe = shim.Kit.CreateTestProbe();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var child = Child(shim, SupervisorStrategy.Default, probe);
        probe.ExpectMsg("prestart");
        child.Tell("a", null);
        child.Tell(new Boom("bad"), null);
        child.Tell("b", null);
        child.Tell("c", null);
        probe.ExpectMsg("a");
        probe.ExpectMsg("prerestart:bad:Boom { Reason = bad }");
        probe.ExpectMsg("poststop");
        probe.ExpectMsg("postrestart");
        probe.ExpectMsg("prestart");
        probe.ExpectMsg("b");
        probe.ExpectMsg("c");
        Assert.Equal(2, shim.Kit.Await(child.Ask<int>(new GetState()))); // the new instance counted b and c only
    }

    [Fact]
    public void Resume_keeps_the_instance_and_its_state()
    {
        using var shim = new ActorTestKitShim();
        var probe = shim.Kit.CreateTestProbe();
        var child = Child(shim, new SupervisorStrategy(_ => Directive.Resume), probe);
        probe.ExpectMsg("prestart");
        child.Tell("a", null);
        child.Tell(new Boom("ignored"), null);
        child.Tell("b", null);
        probe.ExpectMsg("a");
        probe.ExpectMsg("b");
        Assert.Equal(2, shim.Kit.Await(child.Ask<int>(new GetState())));
    }

    [Fact]
    public void Stop_directive_stops_the_child()
    {
        using var shim = new ActorTestKitShim();
        var probe = shim.Kit.CreateTestProbe();
        var child = Child(shim, SupervisorStrategy.StoppingStrategy, probe);
        probe.ExpectMsg("prestart");
        probe.Watch(child);
        child.Tell(new Boom("fatal"), null);
        probe.ExpectMsg("poststop");
        probe.ExpectTerminated(child);
    }

    [Fact]
    public void Escalate_fails_the_supervisor_which_its_own_supervisor_restarts()
    {
        using var shim = new ActorTestKitShim();
        var probe = shim.Kit.CreateTestProbe();
        var top = shim.Kit.ActorOf(Props.Create(() => new ReportingSupervisor(probe, new SupervisorStrategy(_ => Directive.Escalate))));
        probe.ExpectMsg("supervisor started");
        var child = shim.Kit.Await(top.Ask<IActorRef>(Props.Create(() => new ReportingActor(probe))));
        probe.ExpectMsg("prestart");
        child.Tell(new Boom("up"), null);
        // The supervisor is restarted by the user guardian; its default PreRestart stops the child.
        var events = probe.ReceiveN(2);
        Assert.Contains("poststop", events);
        Assert.Contains("supervisor started", events);
    }

    [Fact]
    public void Too_many_restarts_within_the_window_stop_the_child()
    {
        using var shim = new ActorTestKitShim();
        var probe = shim.Kit.CreateTestProbe();
        var strategy = new SupervisorStrategy(_ => Directive.Restart, maxNrOfRetries: 2, withinTimeRange: TimeSpan.FromMinutes(1));
        var child = Child(shim, strategy, probe);
        probe.ExpectMsg("prestart");
        probe.Watch(child);
        for (var i = 0; i < 2; i++)
        {
            child.Tell(new Boom($"f{i}"), null);
            probe.FishForMessage<string>(s => s == "prestart");
        }
        child.Tell(new Boom("f2"), null);
        probe.FishForMessage<Terminated>();
    }

    [Fact]
    public void Restart_window_resets_after_the_time_range()
    {
        using var shim = new ActorTestKitShim();
        var probe = shim.Kit.CreateTestProbe();
        var strategy = new SupervisorStrategy(_ => Directive.Restart, maxNrOfRetries: 1, withinTimeRange: TimeSpan.FromSeconds(10));
        var child = Child(shim, strategy, probe);
        probe.ExpectMsg("prestart");
        child.Tell(new Boom("f0"), null);
        probe.FishForMessage<string>(s => s == "prestart");
        shim.Kit.Time.Advance(TimeSpan.FromSeconds(11));
        child.Tell(new Boom("f1"), null);
        probe.FishForMessage<string>(s => s == "prestart");
        child.Tell("still alive", null);
        probe.ExpectMsg("still alive");
    }

    [Fact]
    public void Restarts_back_off_exponentially_on_virtual_time()
    {
        using var shim = new ActorTestKitShim();
        var probe = shim.Kit.CreateTestProbe();
        var strategy = new SupervisorStrategy(_ => Directive.Restart, minBackoff: TimeSpan.FromSeconds(1), maxBackoff: TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(1), strategy.BackoffFor(1));
        Assert.Equal(TimeSpan.FromSeconds(2), strategy.BackoffFor(2));
        Assert.Equal(TimeSpan.FromSeconds(3), strategy.BackoffFor(3));
        var child = Child(shim, strategy, probe);
        probe.ExpectMsg("prestart");
        child.Tell(new Boom("first"), null);
        child.Tell("queued", null);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(999));
        shim.Kit.Advance(TimeSpan.FromMilliseconds(1));
        probe.FishForMessage<string>(s => s == "prestart");
        probe.ExpectMsg("queued");
        child.Tell(new Boom("second"), null);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(1999));
        shim.Kit.Advance(TimeSpan.FromMilliseconds(1));
        probe.FishForMessage<string>(s => s == "prestart");
    }

    [Fact]
    public void Failing_constructor_stops_the_actor_by_default()
    {
        using var shim = new ActorTestKitShim();
        var probe = shim.Kit.CreateTestProbe();
        var actor = shim.Kit.ActorOf(Props.Create<FailingCtorActor>());
        probe.Watch(actor);
        probe.ExpectTerminated(actor);
    }

    private sealed class FailingCtorActor : ReceiveActor
    {
        public FailingCtorActor() => throw new InvalidOperationException("cannot start");
    }

    private sealed class ReportingSupervisor : ReceiveActor
    {
        private readonly IActorRef _probe;
        private readonly SupervisorStrategy _strategy;

        public ReportingSupervisor(IActorRef probe, SupervisorStrategy strategy)
        {
            _probe = probe;
            _strategy = strategy;
            Receive<Props>(p => Sender?.Tell(Context.ActorOf(p), Self));
        }

        protected override void PreStart() => _probe.Tell("supervisor started");

        protected override SupervisorStrategy SupervisorStrategy() => _strategy;
    }
}

/// <summary>Gives each test its own kit.</summary>
internal sealed class ActorTestKitShim : IDisposable
{
    public TestKit.ActorTestKit Kit { get; } = ActorRec.Actors.Tests.Kit.New();

    public void Dispose() => Kit.Dispose();
}

public sealed class RestartWithChildrenTests
{
    [Fact]
    public void Restarted_actor_can_recreate_children_with_the_same_names()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var parent = kit.ActorOf(Props.Create(() => new NamedChildrenParent(probe)));
        probe.ExpectMsg("kids ready");
        parent.Tell(new Boom("restart"), null);
        probe.ExpectMsg("kids ready");
        parent.Tell("ping kids", null);
        Assert.Equal(2, probe.ReceiveN(2).Count);
    }

    private sealed class NamedChildrenParent : ReceiveActor
    {
        public NamedChildrenParent(IActorRef probe)
        {
            var a = Context.ActorOf(Props.Create<EchoActor>(), "a");
            var b = Context.ActorOf(Props.Create<EchoActor>(), "b");
            Receive<Boom>(x => throw new InvalidOperationException(x.Reason));
            Receive<string>(_ =>
            {
                a.Tell("hi a", probe);
                b.Tell("hi b", probe);
            });
            probe.Tell("kids ready");
        }
    }
}
