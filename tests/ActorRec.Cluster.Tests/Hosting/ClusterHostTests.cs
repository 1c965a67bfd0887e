using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Singleton;
using ActorRec.Cluster.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Cluster.Tests.Hosting;

/// <summary>Two in-process hosts sharing one in-memory table and lease store, on loopback with the real clock.</summary>
public sealed class ClusterHostTests : IAsyncLifetime
{
    private readonly InMemoryMembershipTable _table = new("actorrec");
    private readonly InMemoryLeaseStore _leases = new();
    private readonly InMemorySingletonRunLog _runs = new();
    private readonly List<ClusterHost> _hosts = [];

    private async Task<(ClusterHost Host, ClusterLeader Leader)> StartAsync(string name)
    {
        var leader = new ClusterLeader(NullLogger.Instance);
        var host = new ClusterHost(
            new ClusterSettings
            {
                NodeName = name,
                BindHost = "127.0.0.1",
                Port = 0,
                Secret = "host-test-secret-0123456789",
                PollInterval = TimeSpan.FromMilliseconds(100),
                DownAfter = TimeSpan.FromSeconds(5),
                LeaseDuration = TimeSpan.FromSeconds(3),
            },
            new ClusterHostOptions { Singletons = [leader.Definition], Table = _table, Leases = _leases, RunLog = _runs });
        _hosts.Add(host);
        await host.StartAsync();
        return (host, leader);
    }

    [Fact]
    public async Task A_node_declared_down_stops_its_singletons_and_exits_as_down()
    {
        var (a, leaderA) = await StartAsync("a");
        await WaitAsync(() => leaderA.IsLeader);
        var (b, _) = await StartAsync("b");

        // An operator (or the quorum) writes a down while a is alive: a must stop everything and report Down.
        var snapshot = await _table.ReadAllAsync();
        var row = snapshot.Find("a", a.Node.Self.Incarnation)!;
        Assert.Equal(WriteOutcome.Applied, await _table.TryUpdateAsync(row with { Status = MemberStatus.Down }, snapshot.Version));

        var exit = await a.Exited.WaitAsync(TestTimeouts.Guard);
        Assert.Equal(ClusterExitKind.Down, exit.Kind);
        Assert.False(leaderA.IsLeader);
        Assert.False(b.Exited.IsCompleted);

        // The released lease lets b lead without waiting for the expiry.
        var proxy = b.SingletonProxy(ClusterLeader.SingletonName);
        await MultiProcess.Poll.UntilAsync(async () => (await proxy.LocateAsync())?.NodeName == "b", TestTimeouts.Guard, "b leads");
        MultiProcess.MultiProcessCluster.AssertNeverRanTwice(await _runs.ReadAsync(ClusterLeader.SingletonName));
    }

    [Fact]
    public async Task An_operator_leave_of_another_node_runs_that_nodes_leave_to_removed()
    {
        var (a, _) = await StartAsync("a");
        var (b, _) = await StartAsync("b");
        await WaitAsync(() => a.Node.Membership.Current.Members.Count(m => m.Status == MemberStatus.Up) == 2);

        Assert.Equal(LeaveRequestOutcome.Started, await a.RequestLeaveAsync("b"));
        var exit = await b.Exited.WaitAsync(TestTimeouts.Guard);
        Assert.Equal(ClusterExitKind.Left, exit.Kind);
        Assert.Equal(LeaveRequestOutcome.NotFound, await a.RequestLeaveAsync("b"));
        Assert.False(a.Exited.IsCompleted);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    private static Task WaitAsync(Func<bool> condition) => MultiProcess.Poll.UntilAsync(() => Task.FromResult(condition()), TestTimeouts.Guard, "condition");
}
