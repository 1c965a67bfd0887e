namespace ActorRec.Actors.Tests;

public sealed class AskManyTests
{
    [Fact]
    public void AskMany_returns_every_reply_in_message_order()
    {
        using var kit = Kit.New();
        var echo = kit.ActorOf(Props.Create<EchoActor>());
        var replies = kit.Await(echo.AskMany([new Ping(1), new Ping(2), new Ping(3)], TimeSpan.FromSeconds(5)));
        Assert.Equal([new Ping(1), new Ping(2), new Ping(3)], replies);
    }

    [Fact]
    public void AskMany_of_nothing_completes_empty()
    {
        using var kit = Kit.New();
        var echo = kit.ActorOf(Props.Create<EchoActor>());
        Assert.Empty(kit.Await(echo.AskMany([], TimeSpan.FromSeconds(5))));
    }

    [Fact]
    public void AskMany_waits_for_the_last_reply_whatever_the_reply_order()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var task = probe.Ref.AskMany(["a", "b"], TimeSpan.FromSeconds(5));
        probe.ExpectMsg("a");
        var first = probe.LastSender!;
        probe.ExpectMsg("b");
        var second = probe.LastSender!;
        second.Tell("reply-b", null);
        Assert.False(task.IsCompleted);
        first.Tell("reply-a", null);
        Assert.Equal(["reply-a", "reply-b"], kit.Await(task));
    }

    [Fact]
    public void AskMany_fails_with_a_failure_reply()
    {
        using var kit = Kit.New();
        var echo = kit.ActorOf(Props.Create<EchoActor>());
        var task = echo.AskMany([new Ping(1), new Status.Failure(new FormatException("bad"))], TimeSpan.FromSeconds(5));
        Assert.Throws<FormatException>(() => kit.Await(task));
    }

    [Fact]
    public void AskMany_times_out_on_virtual_time_when_one_reply_is_missing()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var task = probe.Ref.AskMany(["a", "b"], TimeSpan.FromSeconds(5));
        probe.ExpectMsg("a");
        probe.LastSender!.Tell("reply-a", null);
        probe.ExpectMsg("b");
        kit.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(task.IsCompleted);
        kit.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Throws<AskTimeoutException>(() => kit.Await(task));
    }

    [Fact]
    public void AskMany_to_a_dead_actor_fails_fast()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var echo = kit.ActorOf(Props.Create<EchoActor>());
        probe.Watch(echo);
        echo.Tell(PoisonPill.Instance, null);
        probe.ExpectTerminated(echo);
        var task = echo.AskMany(["anyone?", "else?"], TimeSpan.FromHours(1));
        Assert.Throws<RecipientTerminatedException>(() => kit.Await(task));
    }
}
