namespace ActorRec.Actors.Tests;

public sealed class TimerTests
{
    [Fact]
    public void Single_timer_fires_once_at_its_time()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new TimerActor(probe)));
        actor.Tell(new StartSingle("k", "tick", TimeSpan.FromSeconds(3)), null);
        probe.ExpectMsg("started");
        probe.ExpectNoMsg(TimeSpan.FromSeconds(2));
        kit.Advance(TimeSpan.FromSeconds(1));
        probe.ExpectMsg("tick");
        probe.ExpectNoMsg(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Periodic_timer_fires_every_interval_until_cancelled()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new TimerActor(probe)));
        actor.Tell(new StartPeriodic("p", "beat", TimeSpan.FromSeconds(1)), null);
        probe.ExpectMsg("started");
        for (var i = 0; i < 3; i++)
        {
            kit.Advance(TimeSpan.FromSeconds(1));
            probe.ExpectMsg("beat");
        }
        actor.Tell(new CancelTimer("p"), null);
        probe.ExpectMsg("cancelled");
        probe.ExpectNoMsg(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Same_key_replaces_the_old_timer()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new TimerActor(probe)));
        actor.Tell(new StartSingle("k", "old", TimeSpan.FromSeconds(1)), null);
        actor.Tell(new StartSingle("k", "new", TimeSpan.FromSeconds(2)), null);
        probe.ReceiveN(2);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
        kit.Advance(TimeSpan.FromSeconds(1));
        probe.ExpectMsg("new");
        probe.ExpectNoMsg(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Message_of_a_cancelled_timer_already_in_the_mailbox_is_dropped()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = kit.ActorOf(Props.Create(() => new TimerActor(probe, gate.Task)));
        actor.Tell(new StartSingle("k", "late", TimeSpan.FromSeconds(1)), null);
        probe.ExpectMsg("started");
        actor.Tell("block", null); // the actor now waits on the gate
        probe.ExpectMsg("blocked");
        kit.Time.Advance(TimeSpan.FromSeconds(1)); // the timer message is now waiting in the mailbox
        gate.SetResult(); // the handler cancels the timer when it resumes
        probe.ExpectMsg("unblocked");
        probe.ExpectNoMsg(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_stops()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new TimerActor(probe)));
        actor.Tell(new StartPeriodic("p", "beat", TimeSpan.FromSeconds(1)), null);
        probe.ExpectMsg("started");
        probe.Watch(actor);
        kit.System.Stop(actor);
        probe.ExpectTerminated(actor);
        kit.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, kit.System.DeadLetterCount);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Receive_timeout_fires_after_idleness_and_is_reset_by_messages()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var actor = kit.ActorOf(Props.Create(() => new IdleActor(probe, TimeSpan.FromSeconds(10))));
        probe.ExpectMsg("ready");
        probe.ExpectNoMsg(TimeSpan.FromSeconds(6));
        actor.Tell("activity", null);
        probe.ExpectMsg("activity");
        probe.ExpectNoMsg(TimeSpan.FromSeconds(6)); // 12 s since start but only 6 since the last message
        kit.Advance(TimeSpan.FromSeconds(4));
        probe.ExpectMsg("idle");
        kit.Advance(TimeSpan.FromSeconds(10));
        probe.ExpectMsg("idle"); // fires again after another idle period
        actor.Tell("off", null);
        probe.ExpectMsg("off");
        probe.ExpectNoMsg(TimeSpan.FromSeconds(30));
    }

    private sealed record StartSingle(string Key, string Message, TimeSpan Delay);

    private sealed record StartPeriodic(string Key, string Message, TimeSpan Interval);

    private sealed record CancelTimer(string Key);

    private sealed class TimerActor : ReceiveActor
    {
        public TimerActor(IActorRef probe, Task? gate = null)
        {
            Receive<StartSingle>(s =>
            {
                Timers.StartSingleTimer(s.Key, s.Message, s.Delay);
                probe.Tell("started");
            });
            Receive<StartPeriodic>(s =>
            {
                Timers.StartPeriodicTimer(s.Key, s.Message, s.Interval);
                probe.Tell("started");
            });
            Receive<CancelTimer>(c =>
            {
                Timers.Cancel(c.Key);
                Assert.False(Timers.IsTimerActive(c.Key));
                probe.Tell("cancelled");
            });
            ReceiveAsync<string>(
                async _ =>
                {
                    probe.Tell("blocked");
                    await gate!;
                    Timers.Cancel("k");
                    probe.Tell("unblocked");
                },
                s => s == "block");
            Receive<string>(s => probe.Tell(s));
        }
    }

    private sealed class IdleActor : ReceiveActor
    {
        public IdleActor(IActorRef probe, TimeSpan timeout)
        {
            Context.SetReceiveTimeout(timeout);
            Receive<ReceiveTimeout>(_ => probe.Tell("idle"));
            Receive<string>(s =>
            {
                if (s == "off")
                {
                    Context.SetReceiveTimeout(null);
                }
                probe.Tell(s);
            });
            probe.Tell("ready");
        }
    }
}
