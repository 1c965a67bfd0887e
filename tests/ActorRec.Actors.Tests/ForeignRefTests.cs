using System.Collections.Concurrent;

namespace ActorRec.Actors.Tests;

/// <summary>The runtime hooks for remoting: node-qualified paths, local resolution, foreign refs in Ask and Watch.</summary>
public sealed class ForeignRefTests
{
    [Fact]
    public void Paths_with_an_address_parse_print_and_compare()
    {
        var path = ActorPath.Parse("actorrec://sys@10.0.0.5:2552/user/a/b");
        Assert.Equal("10.0.0.5:2552", path.Address);
        Assert.Equal("sys", path.SystemName);
        Assert.Equal("b", path.Name);
        Assert.Equal(3, path.Depth);
        Assert.Equal("/user/a/b", path.ToElementString());
        Assert.Equal("actorrec://sys@10.0.0.5:2552/user/a/b", path.ToString());

        var local = ActorPath.Root("sys").Child("user").Child("a").Child("b");
        Assert.Null(local.Address);
        Assert.NotEqual(local, path);
        Assert.Equal(path, local.WithAddress("10.0.0.5:2552"));
        Assert.Equal(path.GetHashCode(), local.WithAddress("10.0.0.5:2552").GetHashCode());
        Assert.Equal(local, path.WithAddress(null));
        Assert.Equal(local, ActorPath.Parse(local.ToString()));
        Assert.Equal("/", ActorPath.Parse("actorrec://sys@h:1").ToElementString());
    }

    [Theory]
    [InlineData("akka://sys/user/a", "must start with")]
    [InlineData("actorrec://@host:1/user/a", "must not be empty")]
    [InlineData("actorrec://sys@/user/a", "must not be empty")]
    public void Malformed_paths_are_refused_with_the_reason(string text, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => ActorPath.Parse(text));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ActorPath.Root("sys", "bad address"));
    }

    [Fact]
    public void ResolveLocal_finds_running_actors_by_their_elements_only()
    {
        using var kit = Kit.New();
        var parent = kit.ActorOf(Props.Create(() => new ParentOf("child")), "parent");
        var child = kit.Await(parent.Ask<IActorRef>("get-child"));
        Assert.Same(parent, kit.System.ResolveLocal("/user/parent"));
        Assert.Same(child, kit.System.ResolveLocal("/user/parent/child"));
        Assert.Same(kit.System.DeadLetters, kit.System.ResolveLocal("/deadLetters"));
        Assert.Null(kit.System.ResolveLocal("/user/nobody"));
        Assert.Null(kit.System.ResolveLocal("/elsewhere/parent"));

        var probe = kit.CreateTestProbe();
        probe.Watch(parent);
        kit.System.Stop(parent);
        probe.ExpectTerminated(parent);
        Assert.Null(kit.System.ResolveLocal("/user/parent"));
        Assert.Null(kit.System.ResolveLocal("/user/parent/child"));
    }

    [Fact]
    public void An_ask_to_a_foreign_ref_is_answered_through_its_temp_path_which_is_released_afterwards()
    {
        using var kit = Kit.New();
        var foreign = new FakeForeignRef(kit.System, "actorrec://t@other:1/user/remote") { ReplyThroughPath = true };
        var reply = kit.Await(foreign.Ask<string>("question"));
        Assert.Equal("re: question", reply);
        var senderPath = Assert.Single(foreign.SenderPaths);
        Assert.StartsWith("/temp/$", senderPath, StringComparison.Ordinal);
        Assert.Null(kit.System.ResolveLocal(senderPath));
    }

    [Fact]
    public void An_ask_to_a_foreign_ref_times_out_on_the_systems_clock()
    {
        using var kit = Kit.New();
        var foreign = new FakeForeignRef(kit.System, "actorrec://t@other:1/user/silent");
        var ask = foreign.Ask<string>("question", TimeSpan.FromSeconds(3));
        kit.Advance(TimeSpan.FromSeconds(2));
        Assert.False(ask.IsCompleted);
        kit.Advance(TimeSpan.FromSeconds(1));
        Assert.IsType<AskTimeoutException>(kit.Await(Assert.ThrowsAnyAsync<Exception>(() => ask)));
    }

    [Fact]
    public void An_ask_whose_send_throws_fails_with_that_exception()
    {
        using var kit = Kit.New();
        var foreign = new FakeForeignRef(kit.System, "actorrec://t@other:1/user/x") { Refuse = true };
        var ex = kit.Await(Assert.ThrowsAsync<InvalidOperationException>(() => foreign.Ask<string>("question")));
        Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Watching_a_foreign_ref_registers_once_and_delivers_one_Terminated()
    {
        using var kit = Kit.New();
        var foreign = new FakeForeignRef(kit.System, "actorrec://t@other:1/user/w");
        var probe = kit.CreateTestProbe();
        probe.Watch(foreign);
        probe.Watch(foreign);
        kit.AwaitIdle();
        Assert.Equal([("add", probe.Ref)], foreign.WatchCalls);

        ForeignDeathWatch.NotifyTerminated(probe.Ref, foreign);
        Assert.Same(foreign, probe.ExpectTerminated(foreign).ActorRef);
        ForeignDeathWatch.NotifyTerminated(probe.Ref, foreign);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void After_Unwatch_a_foreign_death_is_not_delivered()
    {
        using var kit = Kit.New();
        var foreign = new FakeForeignRef(kit.System, "actorrec://t@other:1/user/w");
        var probe = kit.CreateTestProbe();
        probe.Watch(foreign);
        probe.Unwatch(foreign);
        kit.AwaitIdle();
        Assert.Equal([("add", probe.Ref), ("remove", probe.Ref)], foreign.WatchCalls);
        ForeignDeathWatch.NotifyTerminated(probe.Ref, foreign);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_stopping_watcher_deregisters_from_the_foreign_ref()
    {
        using var kit = Kit.New();
        var foreign = new FakeForeignRef(kit.System, "actorrec://t@other:1/user/w");
        var probe = kit.CreateTestProbe();
        var watcher = kit.ActorOf(Props.Create(() => new WatchingActor(foreign)));
        probe.Watch(watcher);
        kit.AwaitIdle();
        kit.System.Stop(watcher);
        probe.ExpectTerminated(watcher);
        Assert.Equal([("add", watcher), ("remove", watcher)], foreign.WatchCalls);
    }

    private sealed class ParentOf : ReceiveActor
    {
        public ParentOf(string childName)
        {
            var child = Context.ActorOf(Props.Create<EchoActor>(), childName);
            Receive<string>(_ => Sender?.Tell(child));
        }
    }

    private sealed class WatchingActor : ReceiveActor
    {
        public WatchingActor(IActorRef subject)
        {
            Context.Watch(subject);
            ReceiveAny(_ => { });
        }
    }

    /// <summary>
    /// Stands for a remoting provider's ref. With <see cref="ReplyThroughPath"/> it answers the way a remote node
    /// does: it only has the sender's path, and finds the sender again with ResolveLocal.
    /// </summary>
    private sealed class FakeForeignRef(ActorSystem system, string path) : IForeignActorRef
    {
        private readonly ConcurrentQueue<(string, IActorRef)> _watchCalls = new();
        private readonly ConcurrentQueue<string> _senderPaths = new();

        public bool ReplyThroughPath { get; init; }

        public bool Refuse { get; init; }

        public ActorPath Path { get; } = ActorPath.Parse(path);

        public ActorSystem System => system;

        public (string, IActorRef)[] WatchCalls => [.. _watchCalls];

        public string[] SenderPaths => [.. _senderPaths];

        public void Tell(object message, IActorRef? sender)
        {
            if (Refuse)
            {
                throw new InvalidOperationException("refused: no serializer");
            }

            if (sender is null)
            {
                return;
            }

            var elements = sender.Path.ToElementString();
            _senderPaths.Enqueue(elements);
            if (ReplyThroughPath)
            {
                system.ResolveLocal(elements)?.Tell("re: " + message, this);
            }
        }

        public void AddWatcher(IActorRef watcher) => _watchCalls.Enqueue(("add", watcher));

        public void RemoveWatcher(IActorRef watcher) => _watchCalls.Enqueue(("remove", watcher));

        public override bool Equals(object? obj) => obj is FakeForeignRef other && other.Path.Equals(Path);

        public override int GetHashCode() => Path.GetHashCode();
    }
}
