using ActorRec.Actors.TestKit;

namespace ActorRec.Actors.Tests;

public sealed class TestKitTests
{
    [Fact]
    public void Virtual_time_fires_timers_in_due_order_and_periodic_ones_repeatedly()
    {
        var time = new VirtualTimeProvider();
        var fired = new List<string>();
        using var b = time.CreateTimer(_ => fired.Add("b"), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        using var a = time.CreateTimer(_ => fired.Add("a"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var p = time.CreateTimer(_ => fired.Add("p"), null, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(1));
        var start = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(["a", "p", "b", "p"], fired);
        Assert.Equal(TimeSpan.FromSeconds(3), time.GetElapsedTime(start));
        p.Dispose();
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(4, fired.Count);
        Assert.Equal(0, time.ActiveTimers);
    }

    [Fact]
    public void Virtual_timer_change_and_callbacks_that_create_timers()
    {
        var time = new VirtualTimeProvider();
        var fired = new List<string>();
        ITimer? inner = null;
        using var outer = time.CreateTimer(_ => inner = time.CreateTimer(_ => fired.Add("inner"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(2)); // inner created at t=1, due at t=2
        Assert.Equal(["inner"], fired);
        using var changed = time.CreateTimer(_ => fired.Add("changed"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        Assert.True(changed.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Single(fired);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["inner", "changed"], fired);
        inner?.Dispose();
        Assert.Throws<ArgumentOutOfRangeException>(() => time.Advance(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Probe_expectations_report_clear_failures()
    {
        using var kit = new ActorTestKit(defaultTimeout: TimeSpan.FromMilliseconds(200));
        var probe = kit.CreateTestProbe();
        probe.Tell("hello", null);
        var wrongType = Assert.Throws<TestKitException>(() => probe.ExpectMsg<int>());
        Assert.Contains("Expected a Int32", wrongType.Message, StringComparison.Ordinal);
        var timedOut = Assert.Throws<TestKitException>(() => probe.ExpectMsg<string>());
        Assert.Contains("Timed out", timedOut.Message, StringComparison.Ordinal);
        probe.Tell("unexpected", null);
        Assert.Throws<TestKitException>(() => probe.ExpectNoMsg(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Fish_receive_n_reply_and_forward()
    {
        using var kit = new ActorTestKit();
        var probe = kit.CreateTestProbe();
        var other = kit.CreateTestProbe();
        for (var i = 0; i < 5; i++)
        {
            probe.Tell(i, other);
        }
        Assert.Equal(2, probe.FishForMessage<int>(i => i == 2));
        Assert.Equal([3, 4], probe.ReceiveN(2).Cast<int>());
        probe.Reply("back");
        other.ExpectMsg("back");
        Assert.Same(probe.Ref, other.LastSender);
        var third = kit.CreateTestProbe();
        probe.Forward(third);
        third.ExpectMsg(4);
        Assert.Same(other, third.LastSender); // the sender is the reference that was passed (here the probe itself)
    }

    [Fact]
    public void Advance_fires_actor_timers_and_settles()
    {
        using var kit = new ActorTestKit();
        var probe = kit.CreateTestProbe();
        var counter = 0;
        kit.ActorOf(Props.Create(() => new TickActor(probe)));
        probe.ExpectMsg("ready");
        for (var i = 0; i < 3; i++)
        {
            kit.Advance(TimeSpan.FromSeconds(1));
            counter += probe.PendingCount;
            probe.ExpectMsg("tick");
        }
        Assert.Equal(3, counter);
        kit.AwaitCondition(() => probe.PendingCount == 0);
    }

    private sealed class TickActor : ReceiveActor
    {
        public TickActor(IActorRef probe)
        {
            Timers.StartPeriodicTimer("tick", "tick", TimeSpan.FromSeconds(1));
            Receive<string>(s => probe.Tell(s));
            probe.Tell("ready");
        }
    }
}
