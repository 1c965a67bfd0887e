namespace ActorRec.Actors.Tests;

public sealed class HierarchyTests
{
    [Fact]
    public void Children_have_hierarchical_paths()
    {
        using var kit = Kit.New();
        var parent = kit.ActorOf(Props.Create(() => new ParentActor()), "parent");
        var child = kit.Await(parent.Ask<IActorRef>(new MakeChild("kid")));
        Assert.Equal("actorrec://t/user/parent", parent.Path.ToString());
        Assert.Equal("actorrec://t/user/parent/kid", child.Path.ToString());
        Assert.Equal(parent.Path, child.Path.Parent);
        Assert.Equal(3, child.Path.Depth);
        var found = kit.Await(parent.Ask<IActorRef>(new FindChild("kid")));
        Assert.Same(child, found);
    }

    [Fact]
    public void Duplicate_and_invalid_names_are_rejected()
    {
        using var kit = Kit.New();
        kit.ActorOf(Props.Create<EchoActor>(), "same");
        Assert.Throws<InvalidActorNameException>(() => kit.ActorOf(Props.Create<EchoActor>(), "same"));
        Assert.Throws<InvalidActorNameException>(() => kit.ActorOf(Props.Create<EchoActor>(), "a/b"));
        Assert.Throws<InvalidActorNameException>(() => kit.ActorOf(Props.Create<EchoActor>(), "$reserved"));
        Assert.Throws<InvalidActorNameException>(() => kit.ActorOf(Props.Create<EchoActor>(), ""));
    }

    [Fact]
    public void Generated_names_are_unique()
    {
        using var kit = Kit.New();
        var names = Enumerable.Range(0, 200).Select(_ => kit.ActorOf(Props.Create<EchoActor>()).Path.Name).ToHashSet();
        Assert.Equal(200, names.Count);
        Assert.All(names, n => Assert.StartsWith("$", n, StringComparison.Ordinal));
    }

    [Fact]
    public void Stopping_a_parent_stops_children_first()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var parent = kit.ActorOf(Props.Create(() => new ReportingParent(probe, "p", 2)), "p");
        probe.ExpectMsg("p started");
        var started = probe.ReceiveN(2);
        Assert.Contains("p/0 started", started);
        Assert.Contains("p/1 started", started);
        kit.System.Stop(parent);
        var stops = probe.ReceiveN(3);
        Assert.Equal("p stopped", stops[2]);
    }

    private sealed record MakeChild(string Name);

    private sealed record FindChild(string Name);

    private sealed class ParentActor : ReceiveActor
    {
        public ParentActor()
        {
            Receive<MakeChild>(m => Sender!.Tell(Context.ActorOf(Props.Create<EchoActor>(), m.Name)));
            Receive<FindChild>(m => Sender!.Tell(Context.Child(m.Name) ?? ActorRefs.Nobody));
        }
    }

    private sealed class ReportingParent : ReceiveActor
    {
        private readonly IActorRef _probe;
        private readonly string _name;

        public ReportingParent(IActorRef probe, string name, int children)
        {
            _probe = probe;
            _name = name;
            for (var i = 0; i < children; i++)
            {
                var childName = $"{name}/{i}";
                Context.ActorOf(Props.Create(() => new ReportingParent(probe, childName, 0)), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        protected override void PreStart() => _probe.Tell($"{_name} started");

        protected override void PostStop() => _probe.Tell($"{_name} stopped");
    }
}
