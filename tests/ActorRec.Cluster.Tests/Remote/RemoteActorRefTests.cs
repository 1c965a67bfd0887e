using System.Buffers.Binary;
using System.Text;
using ActorRec.Actors;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Tests.Support;
using Google.Protobuf;

namespace ActorRec.Cluster.Tests.Remote;

public sealed record Ping(int N);

public sealed record NotRegistered(int N);

/// <summary>
/// Location-transparent refs between in-process nodes on loopback: tell, ask, watch, replies to Sender, Terminated on
/// remote stop and on node down, and the errors for unregistered and unknown message types.
/// </summary>
public sealed class RemoteActorRefTests : IAsyncLifetime
{
    private static readonly MessageSerializerRegistry Registry = Builder()
        .Register<Ping>("test.ping", p => ByteString.CopyFrom(BitConverter.GetBytes(p.N)), p => new Ping(BinaryPrimitives.ReadInt32LittleEndian(p)))
        .Build();

    private static readonly MessageSerializerRegistry RegistryWithoutPing = Builder().Build();

    private readonly InProcessCluster _cluster = new();

    private static MessageSerializerRegistryBuilder Builder() => new MessageSerializerRegistryBuilder()
        .AddRemoting()
        .Register<string>("test.text", ByteString.CopyFromUtf8, p => Encoding.UTF8.GetString(p));

    [Fact]
    public async Task Tell_reaches_a_remote_actor_and_its_reply_to_Sender_comes_back()
    {
        var (a, b) = await TwoNodesAsync();
        b.Kit.ActorOf(Props.Create<EchoActor>(), "echo");
        var echo = a.Remote.RefFor(b.Address, "/user/echo");
        Assert.IsType<RemoteActorRef>(echo);

        var probe = a.Kit.CreateTestProbe();
        probe.Send(echo, "hello");
        Assert.Equal("hello", probe.ExpectMsg<string>());
        var replier = Assert.IsType<RemoteActorRef>(probe.LastSender);
        Assert.Equal(echo, replier);
        Assert.Equal(b.Address, replier.Path.Address);

        probe.Send(echo, new Ping(42));
        Assert.Equal(new Ping(42), probe.ExpectMsg<Ping>());
    }

    [Fact]
    public async Task The_remote_actor_sees_a_sender_ref_that_names_the_sending_actor_on_its_node()
    {
        var (a, b) = await TwoNodesAsync();
        var seen = b.Kit.CreateTestProbe();
        b.Kit.ActorOf(Props.Create(() => new SenderReporter(seen)), "reporter");
        var probe = a.Kit.CreateTestProbe();
        probe.Send(a.Remote.RefFor(b.Address, "/user/reporter"), "who am I");

        var sender = Assert.IsType<RemoteActorRef>(seen.ExpectMsg<IActorRef>());
        Assert.Equal(probe.Path.WithAddress(a.Address), sender.Path);
        Assert.Equal(a.Remote.PathStringOf(probe.Ref), sender.PathString);
        Assert.Same(probe.Ref, a.Remote.ResolveRef(sender.PathString));
    }

    [Fact]
    public async Task A_forwarded_message_keeps_its_original_remote_sender_across_three_nodes()
    {
        var a = await _cluster.StartNodeAsync("a", Registry);
        var b = await _cluster.StartNodeAsync("b", Registry);
        var c = await _cluster.StartNodeAsync("c", Registry);
        await _cluster.WaitAllUpAsync();
        c.Kit.ActorOf(Props.Create<EchoActor>(), "echo");
        b.Kit.ActorOf(Props.Create(() => new Forwarder(b.Remote.RefFor(c.Address, "/user/echo"))), "forwarder");

        var probe = a.Kit.CreateTestProbe();
        probe.Send(a.Remote.RefFor(b.Address, "/user/forwarder"), "via b");
        Assert.Equal("via b", probe.ExpectMsg<string>());
        Assert.Equal(c.Address, Assert.IsType<RemoteActorRef>(probe.LastSender).Address);
    }

    [Fact]
    public async Task Ask_gets_the_reply_a_remote_failure_or_a_timeout_on_the_askers_clock()
    {
        var (a, b) = await TwoNodesAsync();
        b.Kit.ActorOf(Props.Create<EchoActor>(), "echo");
        b.Kit.ActorOf(Props.Create<FailingActor>(), "failing");
        b.Kit.ActorOf(Props.Create<SilentActor>(), "silent");

        var reply = await a.Remote.RefFor(b.Address, "/user/echo").Ask<string>("question").WaitAsync(TestTimeouts.Guard);
        Assert.Equal("question", reply);

        var failure = await Assert.ThrowsAsync<RemoteFailureException>(
            () => a.Remote.RefFor(b.Address, "/user/failing").Ask<string>("fail please").WaitAsync(TestTimeouts.Guard));
        Assert.Equal("System.InvalidOperationException", failure.RemoteType);
        Assert.Equal("nope: fail please", failure.Message);

        var silent = a.Remote.RefFor(b.Address, "/user/silent").Ask<string>("anyone?", TimeSpan.FromSeconds(5));
        a.Kit.Advance(TimeSpan.FromSeconds(4));
        Assert.False(silent.IsCompleted);
        a.Kit.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<AskTimeoutException>(() => silent.WaitAsync(TestTimeouts.Guard));
    }

    [Fact]
    public async Task An_ask_to_a_remote_path_where_no_actor_runs_fails_at_once()
    {
        var (a, b) = await TwoNodesAsync();
        var ask = a.Remote.RefFor(b.Address, "/user/nobody").Ask<string>("anyone?", TimeSpan.FromMinutes(5));
        var failure = await Assert.ThrowsAsync<RemoteFailureException>(() => ask.WaitAsync(TestTimeouts.Guard));
        Assert.Equal(typeof(RecipientTerminatedException).FullName, failure.RemoteType);
        Assert.Contains("/user/nobody", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_watched_remote_actor_that_stops_gives_one_Terminated()
    {
        var (a, b) = await TwoNodesAsync();
        var echoOnB = b.Kit.ActorOf(Props.Create<EchoActor>(), "echo");
        var echo = a.Remote.RefFor(b.Address, "/user/echo");
        var probe = a.Kit.CreateTestProbe();
        var other = a.Kit.CreateTestProbe();
        probe.Watch(echo);
        other.Watch(echo);
        probe.Send(echo, "watch is on its way");
        probe.ExpectMsg<string>();

        b.Kit.System.Stop(echoOnB);
        Assert.Equal(echo, probe.ExpectTerminated(echo).ActorRef);
        other.ExpectTerminated(echo);
        Assert.Equal(0, a.Remote.WatchedCount);
    }

    [Fact]
    public async Task Watching_a_remote_path_where_no_actor_runs_gives_Terminated_at_once()
    {
        var (a, b) = await TwoNodesAsync();
        var ghost = a.Remote.RefFor(b.Address, "/user/ghost");
        var probe = a.Kit.CreateTestProbe();
        probe.Watch(ghost);
        probe.ExpectTerminated(ghost);
    }

    [Fact]
    public async Task After_Unwatch_a_remote_stop_is_not_delivered()
    {
        var (a, b) = await TwoNodesAsync();
        var echoOnB = b.Kit.ActorOf(Props.Create<EchoActor>(), "echo");
        var echo = a.Remote.RefFor(b.Address, "/user/echo");
        var unwatched = a.Kit.CreateTestProbe();
        var watching = a.Kit.CreateTestProbe();
        unwatched.Watch(echo);
        unwatched.Unwatch(echo);
        watching.Watch(echo);
        unwatched.Send(echo, "barrier");
        unwatched.ExpectMsg<string>();

        b.Kit.System.Stop(echoOnB);
        watching.ExpectTerminated(echo);
        unwatched.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Watchers_get_Terminated_when_the_remote_node_is_declared_down_and_later_messages_go_to_dead_letters()
    {
        var (a, b) = await TwoNodesAsync();
        b.Kit.ActorOf(Props.Create<EchoActor>(), "echo");
        var echo = a.Remote.RefFor(b.Address, "/user/echo");
        var probe = a.Kit.CreateTestProbe();
        probe.Watch(echo);
        probe.Send(echo, "ready");
        probe.ExpectMsg<string>();

        // The verdict the failure detector's quorum writes: b is down (b itself is still running).
        var snapshot = await _cluster.Table.ReadAllAsync();
        var row = snapshot.Find("b", b.Node.Self.Incarnation)!;
        Assert.Equal(WriteOutcome.Applied, await _cluster.Table.TryUpdateAsync(row with { Status = MemberStatus.Down }, snapshot.Version));

        probe.ExpectTerminated(echo);
        await a.Membership.WaitAsync(s => s.Find("b", b.Node.Self.Incarnation)?.Status == MemberStatus.Down);

        var deadLetters = a.Kit.CreateTestProbe();
        a.Kit.System.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        echo.Tell("after down", probe.Ref);
        Assert.Equal("after down", deadLetters.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public async Task Watchers_get_Terminated_when_the_remote_node_is_killed_and_the_failure_detector_has_it_declared_down()
    {
        var a = await _cluster.StartNodeAsync("a", Registry);
        var b = await _cluster.StartNodeAsync("b", Registry);
        var c = await _cluster.StartNodeAsync("c", Registry);
        await _cluster.WaitAllUpAsync();
        c.Kit.ActorOf(Props.Create<EchoActor>(), "echo");
        var echo = a.Remote.RefFor(c.Address, "/user/echo");
        var probe = a.Kit.CreateTestProbe();
        probe.Watch(echo);
        probe.Send(echo, "ready");
        probe.ExpectMsg<string>();

        // kill -9 of c: its sockets and loops stop, no goodbye; a and b stop hearing its heartbeats.
        await c.DisposeAsync();
        probe.ExpectTerminated(echo);
        var snapshot = await a.Membership.WaitAsync(s => s.Find("c", c.Node.Self.Incarnation)?.Status == MemberStatus.Down);
        Assert.Equal(MemberStatus.Up, snapshot.Find("a", a.Node.Self.Incarnation)!.Status);
        Assert.Equal(0, a.Remote.WatchedCount);
    }

    [Fact]
    public async Task Sending_an_unregistered_type_fails_at_send_time_with_a_clear_error()
    {
        var (a, b) = await TwoNodesAsync();
        b.Kit.ActorOf(Props.Create<EchoActor>(), "echo");
        var echo = a.Remote.RefFor(b.Address, "/user/echo");

        var told = Assert.Throws<UnregisteredMessageTypeException>(() => echo.Tell(new NotRegistered(1), null));
        Assert.Contains(typeof(NotRegistered).FullName!, told.Message, StringComparison.Ordinal);
        Assert.Contains("no serializer", told.Message, StringComparison.Ordinal);
        Assert.Contains(b.Address + "/user/echo", told.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<UnregisteredMessageTypeException>(() => echo.Ask<string>(new NotRegistered(2)).WaitAsync(TestTimeouts.Guard));
    }

    [Fact]
    public async Task A_message_whose_manifest_the_receiving_node_does_not_know_is_dead_lettered_there()
    {
        var a = await _cluster.StartNodeAsync("a", Registry);
        var b = await _cluster.StartNodeAsync("b", RegistryWithoutPing);
        await _cluster.WaitAllUpAsync();
        b.Kit.ActorOf(Props.Create<EchoActor>(), "echo");
        var deadLetters = b.Kit.CreateTestProbe();
        b.Kit.System.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        a.Remote.RefFor(b.Address, "/user/echo").Tell(new Ping(7), null);
        var undeliverable = Assert.IsType<UndeliverableRemoteMessage>(deadLetters.ExpectMsg<DeadLetter>().Message);
        Assert.Equal(("a", "/user/echo", "test.ping"), (undeliverable.FromNode, undeliverable.Recipient, undeliverable.Manifest));
        Assert.Contains("unknown manifest", undeliverable.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refs_resolve_to_local_actors_for_this_node_and_malformed_paths_are_refused()
    {
        var (a, _) = await TwoNodesAsync();
        var local = a.Kit.ActorOf(Props.Create<EchoActor>(), "local");
        Assert.Same(local, a.Remote.RefFor(a.Address, "/user/local"));
        Assert.Same(local, a.Remote.ResolveRef(a.Remote.PathStringOf(local)));
        Assert.Same(a.Kit.System.DeadLetters, a.Remote.RefFor(a.Address, "/user/missing"));
        Assert.Throws<ArgumentException>(() => a.Remote.RefFor(a.Address, "user/local"));
        Assert.Throws<FormatException>(() => a.Remote.ResolveRef("http://x/user/a"));
        Assert.Throws<ArgumentException>(() => new RemoteActorRefProvider(a.Kit.System, new MessageSerializerRegistryBuilder().Build()));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task<(TestNode A, TestNode B)> TwoNodesAsync()
    {
        var a = await _cluster.StartNodeAsync("a", Registry);
        var b = await _cluster.StartNodeAsync("b", Registry);
        await _cluster.WaitAllUpAsync();
        return (a, b);
    }

    private sealed class EchoActor : ReceiveActor
    {
        public EchoActor() => ReceiveAny(m => Sender?.Tell(m, Self));
    }

    private sealed class SilentActor : ReceiveActor
    {
        public SilentActor() => ReceiveAny(_ => { });
    }

    private sealed class FailingActor : ReceiveActor
    {
        public FailingActor() => Receive<string>(m => Sender?.Tell(new Status.Failure(new InvalidOperationException("nope: " + m)), Self));
    }

    private sealed class SenderReporter : ReceiveActor
    {
        public SenderReporter(IActorRef report) => ReceiveAny(_ => report.Tell(Sender!, Self));
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(to.Forward);
    }
}
