namespace ActorRec.Actors.Tests;

public sealed class BehaviorTests
{
    [Fact]
    public void Typed_receive_picks_the_first_matching_handler()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new TypedActor(probe)));
        actor.Tell(5, null);
        actor.Tell(50, null);
        actor.Tell("text", null);
        actor.Tell(new Ping(1), null);
        actor.Tell(new InvalidOperationException("x"), null);
        probe.ExpectMsg("small int 5");
        probe.ExpectMsg("int 50");
        probe.ExpectMsg("string text");
        probe.ExpectMsg("ping 1");
        probe.ExpectMsg("exception InvalidOperationException");
    }

    [Fact]
    public void Unhandled_messages_are_published()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        kit.System.EventStream.Subscribe(probe, typeof(UnhandledMessage));
        var actor = kit.ActorOf(Props.Create(() => new TypedActor(probe)));
        actor.Tell(3.5, null);
        var unhandled = probe.ExpectMsg<UnhandledMessage>();
        Assert.Equal(3.5, unhandled.Message);
        Assert.Same(actor, unhandled.Recipient);
    }

    [Fact]
    public void Become_and_unbecome_work_as_a_stack()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new MoodActor(probe)));
        actor.Tell("mood", null);
        probe.ExpectMsg("neutral");
        actor.Tell("happy", null);
        actor.Tell("mood", null);
        probe.ExpectMsg("happy");
        actor.Tell("angry", null); // stacked on top of happy
        actor.Tell("mood", null);
        probe.ExpectMsg("angry");
        actor.Tell("back", null);
        actor.Tell("mood", null);
        probe.ExpectMsg("happy");
        actor.Tell("back", null);
        actor.Tell("mood", null);
        probe.ExpectMsg("neutral");
        actor.Tell("back", null); // popping the initial behaviour is a no-op
        actor.Tell("mood", null);
        probe.ExpectMsg("neutral");
    }

    [Fact]
    public void Become_replaces_the_top_behaviour()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new MoodActor(probe)));
        actor.Tell("happy", null);
        actor.Tell("replace-sad", null);
        actor.Tell("mood", null);
        probe.ExpectMsg("sad");
        actor.Tell("back", null);
        actor.Tell("mood", null);
        probe.ExpectMsg("neutral");
    }

    [Fact]
    public void Untyped_actor_base_with_context_become()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new ToggleActor(probe)));
        actor.Tell("x", null);
        actor.Tell("x", null);
        actor.Tell("x", null);
        probe.ExpectMsg("off");
        probe.ExpectMsg("on");
        probe.ExpectMsg("off");
    }

    [Fact]
    public void Actors_cannot_be_created_with_new()
    {
        Assert.Throws<InvalidOperationException>(() => new EchoActor());
    }

    [Fact]
    public void ReceiveAsync_holds_the_mailbox_until_the_task_completes()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = kit.ActorOf(Props.Create(() => new AsyncActor(probe, gate.Task)));
        actor.Tell("slow", null);
        actor.Tell("fast", null);
        probe.ExpectMsg("slow started");
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
        gate.SetResult();
        probe.ExpectMsg("slow done");
        Assert.Same(actor, probe.LastSender); // implicit sender flows into the continuation
        probe.ExpectMsg("fast");
    }

    [Fact]
    public void ReceiveAsync_failure_is_supervised()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = kit.ActorOf(Props.Create(() => new AsyncActor(probe, gate.Task)));
        actor.Tell("slow", null);
        probe.ExpectMsg("slow started");
        gate.SetException(new InvalidOperationException("io failed"));
        probe.ExpectMsg("restarted");
    }

    private sealed class TypedActor : ReceiveActor
    {
        public TypedActor(IActorRef probe)
        {
            Receive<int>(i => probe.Tell($"small int {i}"), i => i < 10);
            Receive<int>(i => probe.Tell($"int {i}"));
            Receive<string>(s => probe.Tell($"string {s}"));
            Receive<Ping>(p => probe.Tell($"ping {p.N}"));
            Receive<Exception>(e => probe.Tell($"exception {e.GetType().Name}"));
        }
    }

    private sealed class MoodActor : ReceiveActor
    {
        public MoodActor(IActorRef probe)
        {
            Receive<string>(s => s == "mood", _ => probe.Tell("neutral"));
            Receive<string>(s => s == "happy", _ => BecomeStacked(() => Mood(probe, "happy")));
            Receive<string>(s => s == "back", _ => Context.Unbecome());
        }

        private void Mood(IActorRef probe, string name)
        {
            Receive<string>(s => s == "mood", _ => probe.Tell(name));
            Receive<string>(s => s == "angry", _ => BecomeStacked(() => Mood(probe, "angry")));
            Receive<string>(s => s == "replace-sad", _ => Become(() => Mood(probe, "sad")));
            Receive<string>(s => s == "back", _ => Context.Unbecome());
        }

        private void Receive<T>(Predicate<T> when, Action<T> handler) => Receive(handler, when);
    }

    private sealed class ToggleActor(IActorRef probe) : ActorBase
    {
        protected override bool Receive(object message)
        {
            probe.Tell("off");
            Context.Become(On);
            return true;
        }

        private bool On(object message)
        {
            probe.Tell("on");
            Context.Become(Receive);
            return true;
        }
    }

    private sealed class AsyncActor : ReceiveActor
    {
        private readonly IActorRef _probe;

        public AsyncActor(IActorRef probe, Task gate)
        {
            _probe = probe;
            ReceiveAsync<string>(async _ =>
            {
                probe.Tell("slow started");
                await gate;
                probe.Tell("slow done");
            }, s => s == "slow");
            Receive<string>(s => probe.Tell(s));
        }

        protected override void PostRestart(Exception reason) => _probe.Tell("restarted");
    }
}
