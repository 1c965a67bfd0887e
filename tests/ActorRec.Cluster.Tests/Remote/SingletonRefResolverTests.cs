using ActorRec.Actors;
using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Singleton;
using ActorRec.Cluster.Tests.MultiProcess;
using ActorRec.Cluster.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Cluster.Tests.Remote;

/// <summary>
/// Hosts wired as <c>actorrec serve</c> wires them (a <see cref="RemoteActorRefProvider"/> in
/// <see cref="ClusterHostOptions.Remote"/>, the leader answering on its actor system), two in one process on loopback:
/// the resolver turns the proxy's location into a remote ref on the other node and a local ref on the holder, the
/// answer comes from the holder with the lease's fencing token, and after the holder leaves it resolves to the new one.
/// </summary>
public sealed class SingletonRefResolverTests : IAsyncLifetime
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private readonly InMemoryMembershipTable _table = new("actorrec");
    private readonly InMemoryLeaseStore _leases = new();
    private readonly InMemorySingletonRunLog _runs = new();
    private readonly List<ClusterHost> _hosts = [];
    private readonly List<ActorSystem> _systems = [];

    [Fact]
    public async Task The_resolver_reaches_the_holder_remotely_and_locally_and_follows_the_singleton_when_it_moves()
    {
        var (a, leaderA) = await StartAsync("a");
        await WaitAsync(() => leaderA.IsLeader, "a leads");
        var (b, leaderB) = await StartAsync("b");
        await WaitAsync(() => b.Node.Membership.Current.Members.Count(m => m.Status == MemberStatus.Up) == 2, "a and b up as seen by b");

        // From b: a remote ref to a's leader actor; the answer carries the lease's token.
        var fromB = b.SingletonProxy(ClusterLeader.SingletonName);
        var location = await fromB.LocateAsync() ?? throw new InvalidOperationException("no leader located");
        Assert.Equal("a", location.NodeName);
        var remote = Assert.IsType<RemoteActorRef>(await fromB.ResolveAsync(new RemoteSingletonRefResolver(b.Remote!)));
        Assert.Equal(a.Node.Self.Address, remote.Address);
        Assert.Equal("/system/singleton-leader", remote.Elements);
        var identity = await remote.Ask<SingletonIdentity>(SingletonIdentify.Instance, AskTimeout);
        Assert.Equal(new SingletonIdentity(ClusterLeader.SingletonName, "a", location.FencingToken), identity);
        Assert.Equal(leaderA.Epoch, identity.FencingToken);

        // From a (the holder): the local actor, same answer.
        var local = await a.SingletonProxy(ClusterLeader.SingletonName).ResolveAsync(new RemoteSingletonRefResolver(a.Remote!));
        Assert.NotNull(local);
        Assert.IsNotType<RemoteActorRef>(local);
        Assert.Equal(identity, await local.Ask<SingletonIdentity>(SingletonIdentify.Instance, AskTimeout));

        // The ping actor answers remote asks with the member's identity.
        var ping = await b.Remote!.PingAsync(a.Node.Self.Address, AskTimeout);
        Assert.Equal(new ClusterPong("a", a.Node.Self.Incarnation), ping.Pong);
        Assert.True(ping.RoundTrip > TimeSpan.Zero);

        // a leaves: b takes over with a higher token, and the resolver on b now gives b's own actor.
        await a.LeaveAsync().WaitAsync(TestTimeouts.Guard);
        await WaitAsync(() => leaderB.IsLeader, "b leads");
        var moved = await fromB.LocateAsync() ?? throw new InvalidOperationException("no leader located after the leave");
        Assert.Equal("b", moved.NodeName);
        Assert.True(moved.FencingToken > location.FencingToken);
        var now = await fromB.ResolveAsync(new RemoteSingletonRefResolver(b.Remote));
        Assert.NotNull(now);
        Assert.IsNotType<RemoteActorRef>(now);
        Assert.Equal(new SingletonIdentity(ClusterLeader.SingletonName, "b", moved.FencingToken), await now.Ask<SingletonIdentity>(SingletonIdentify.Instance, AskTimeout));
        MultiProcessCluster.AssertNeverRanTwice(await _runs.ReadAsync(ClusterLeader.SingletonName));
    }

    [Fact]
    public void Singleton_actor_paths_are_named_for_the_singleton_and_bad_names_are_refused()
    {
        Assert.Equal("/system/singleton-leader", RemoteSingletonRefResolver.ElementsOf("leader"));
        Assert.Throws<ArgumentException>(() => RemoteSingletonRefResolver.ElementsOf(" "));
        Assert.Throws<ArgumentNullException>(() => new RemoteSingletonRefResolver(null!));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        foreach (var system in _systems)
        {
            await system.Terminate();
        }
    }

    private async Task<(ClusterHost Host, ClusterLeader Leader)> StartAsync(string name)
    {
        var system = ActorSystem.Create("actorrec");
        _systems.Add(system);
        var leader = new ClusterLeader(NullLogger.Instance);
        leader.AnswerOn(system, name);
        var host = new ClusterHost(
            new ClusterSettings
            {
                NodeName = name,
                BindHost = "127.0.0.1",
                Port = 0,
                Secret = "resolver-test-secret-0123456789",
                PollInterval = TimeSpan.FromMilliseconds(100),
                DownAfter = TimeSpan.FromSeconds(5),
                LeaseDuration = TimeSpan.FromSeconds(3),
            },
            new ClusterHostOptions
            {
                Singletons = [leader.Definition],
                Remote = new RemoteActorRefProvider(system, new MessageSerializerRegistryBuilder().AddRemoting().Build()),
                Table = _table,
                Leases = _leases,
                RunLog = _runs,
            });
        _hosts.Add(host);
        await host.StartAsync();
        return (host, leader);
    }

    private static Task WaitAsync(Func<bool> condition, string what) => Poll.UntilAsync(() => Task.FromResult(condition()), TestTimeouts.Guard, what);
}
