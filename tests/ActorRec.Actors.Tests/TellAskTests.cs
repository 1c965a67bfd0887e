namespace ActorRec.Actors.Tests;

public sealed class TellAskTests
{
    [Fact]
    public void Tell_delivers_in_order_with_sender()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var echo = kit.ActorOf(Props.Create<EchoActor>(), "echo");
        for (var i = 0; i < 100; i++)
        {
            echo.Tell(new Ping(i), probe);
        }
        for (var i = 0; i < 100; i++)
        {
            probe.ExpectMsg(new Ping(i));
            Assert.Same(echo, probe.LastSender);
        }
    }

    [Fact]
    public void Ask_returns_the_reply()
    {
        using var kit = Kit.New();
        var echo = kit.ActorOf(Props.Create<EchoActor>());
        Assert.Equal(new Ping(7), kit.Await(echo.Ask<Ping>(new Ping(7))));
    }

    [Fact]
    public void Ask_times_out_on_virtual_time()
    {
        using var kit = Kit.New();
        var silent = kit.CreateTestProbe();
        var task = silent.Ask<string>("hello?", TimeSpan.FromSeconds(5));
        silent.ExpectMsg("hello?");
        kit.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(task.IsCompleted);
        kit.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Throws<AskTimeoutException>(() => kit.Await(task));
    }

    [Fact]
    public void Ask_is_cancelled_by_its_token()
    {
        using var kit = Kit.New();
        var silent = kit.CreateTestProbe();
        using var cts = new CancellationTokenSource();
        var task = silent.Ask<string>("q", TimeSpan.FromMinutes(1), cts.Token);
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => kit.Await(task));
        Assert.True(task.IsCanceled);
    }

    [Fact]
    public void Ask_to_a_dead_actor_fails_fast()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var echo = kit.ActorOf(Props.Create<EchoActor>());
        probe.Watch(echo);
        echo.Tell(PoisonPill.Instance, null);
        probe.ExpectTerminated(echo);
        var task = echo.Ask<object>("anyone?", TimeSpan.FromHours(1));
        // No virtual time passes: the failure comes from dead-letter routing, not from the timeout.
        Assert.Throws<RecipientTerminatedException>(() => kit.Await(task));
    }

    [Fact]
    public void Ask_with_failure_reply_or_wrong_type_fails()
    {
        using var kit = Kit.New();
        var echo = kit.ActorOf(Props.Create<EchoActor>());
        var failure = echo.Ask<int>(new Status.Failure(new FormatException("bad")));
        Assert.Throws<FormatException>(() => kit.Await(failure));
        var wrongType = echo.Ask<int>("not an int");
        Assert.Throws<AskReplyTypeException>(() => kit.Await(wrongType));
    }

    [Fact]
    public void Ask_rejects_bad_arguments()
    {
        using var kit = Kit.New();
        var echo = kit.ActorOf(Props.Create<EchoActor>());
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = echo.Ask("x", TimeSpan.Zero); });
        Assert.Throws<ArgumentException>(() => { _ = ActorRefs.Nobody.Ask("x"); });
    }

    [Fact]
    public void Implicit_sender_inside_an_actor_is_self()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var relay = kit.ActorOf(Props.Create(() => new RelayActor(probe)), "relay");
        relay.Tell("go", null);
        probe.ExpectMsg("go");
        Assert.Same(relay, probe.LastSender);
    }

    [Fact]
    public void Messages_from_each_sender_keep_their_order_under_concurrency()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var checker = kit.ActorOf(Props.Create(() => new OrderChecker(probe, 4, 20_000)));
        var senders = Enumerable.Range(0, 4).Select(s => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                checker.Tell(new SeqMsg(s, i), null);
            }
        })).ToArray();
        kit.Await(Task.WhenAll(senders));
        probe.ExpectMsg("ordered", TimeSpan.FromSeconds(30));
    }

    private sealed record SeqMsg(int Sender, int Seq);

    private sealed class RelayActor : ReceiveActor
    {
        public RelayActor(IActorRef target) => Receive<string>(s => target.Tell(s));
    }

    private sealed class OrderChecker : ReceiveActor
    {
        public OrderChecker(IActorRef probe, int senders, int each)
        {
            var next = new int[senders];
            var total = 0;
            Receive<SeqMsg>(m =>
            {
                if (next[m.Sender] != m.Seq)
                {
                    probe.Tell($"out of order: sender {m.Sender} expected {next[m.Sender]} got {m.Seq}");
                }
                next[m.Sender] = m.Seq + 1;
                if (++total == senders * each)
                {
                    probe.Tell("ordered");
                }
            });
        }
    }
}
