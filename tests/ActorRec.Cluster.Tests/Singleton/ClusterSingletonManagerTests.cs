using ActorRec.Actors.TestKit;
using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Singleton;

namespace ActorRec.Cluster.Tests.Singleton;

/// <summary>
/// Two or three managers of one singleton on a shared in-memory lease store and virtual time: each tick is called
/// by the test, so every step is deterministic. A shared <see cref="Ledger"/> counts running instances and fails the
/// moment two run at once.
/// </summary>
public sealed class ClusterSingletonManagerTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(9);
    private readonly VirtualTimeProvider _time = new();
    private readonly Ledger _ledger = new();
    private readonly InMemorySingletonRunLog _runs = new();
    private readonly InMemoryLeaseStore _leases;

    public ClusterSingletonManagerTests()
    {
        _leases = new InMemoryLeaseStore(_time);
    }

    private ClusterSingletonManager Manager(string node, ILeaseStore? leases = null, Func<bool>? canHost = null) =>
        new(new ClusterSingletonDefinition("coordinator", () => new Instance(_ledger)), leases ?? _leases, _runs, node + "#1", node,
            canHost ?? (() => true), Lease, _time);

    [Fact]
    public async Task Only_one_node_runs_it_and_a_graceful_leave_hands_it_over_with_a_higher_token()
    {
        var a = Manager("a");
        var b = Manager("b");
        await a.TickAsync();
        await b.TickAsync();
        Assert.True(a.IsRunning);
        Assert.False(b.IsRunning);
        Assert.Equal(1, _ledger.Started.Single().FencingToken);

        await a.BeforeLeaveAsync(MembershipSnapshot.Empty, CancellationToken.None);
        Assert.False(a.IsRunning);
        await b.TickAsync(); // no need to wait for expiry: the lease was released
        Assert.True(b.IsRunning);
        Assert.Equal([("a", 1L), ("b", 2L)], _ledger.Started.Select(s => (s.NodeName, s.FencingToken)));

        await a.TickAsync(); // a left: it never takes the lease again
        Assert.False(a.IsRunning);
        AssertNeverTwice(await _runs.ReadAsync("coordinator"));
    }

    [Fact]
    public async Task A_crashed_holder_is_replaced_only_after_its_lease_expires()
    {
        var a = Manager("a");
        var b = Manager("b");
        await a.TickAsync();
        // a "crashes": its process, and the instance with it, is gone; it never ticks again.
        _ledger.Stop();
        _time.Advance(Lease - TimeSpan.FromMilliseconds(1));
        await b.TickAsync();
        Assert.False(b.IsRunning);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await b.TickAsync();
        Assert.True(b.IsRunning);
        Assert.Equal(2, b.Lease!.Token);
        Assert.Null((await _runs.ReadAsync("coordinator"))[0].StoppedAt); // a never said goodbye
        AssertNeverTwice(await _runs.ReadAsync("coordinator"));
    }

    [Fact]
    public async Task A_holder_that_cannot_renew_stops_before_its_lease_expires()
    {
        var broken = new BreakableLeases(_leases);
        var a = Manager("a", broken);
        var b = Manager("b");
        await a.TickAsync();
        broken.Broken = true; // a's store connection fails from now on

        _time.Advance(a.TickInterval);
        await a.TickAsync();
        Assert.True(a.IsRunning); // one failed renewal: the lease still has two ticks to go

        _time.Advance(a.TickInterval);
        await a.TickAsync();
        Assert.False(a.IsRunning); // the next tick would be at the expiry: stop now

        _time.Advance(a.TickInterval);
        await b.TickAsync();
        Assert.True(b.IsRunning);
        Assert.Equal(1, _ledger.MaxConcurrent);
        AssertNeverTwice(await _runs.ReadAsync("coordinator"));
    }

    [Fact]
    public async Task A_holder_told_its_lease_is_lost_stops_at_once_and_its_stale_token_cannot_renew()
    {
        var lossy = new BreakableLeases(_leases);
        var a = Manager("a", lossy);
        await a.TickAsync();
        var stale = a.Lease!;
        lossy.Lost = true;

        _time.Advance(a.TickInterval);
        await a.TickAsync();
        Assert.False(a.IsRunning);
        Assert.Null(a.Lease);
        Assert.NotNull((await _runs.ReadAsync("coordinator"))[0].StoppedAt);

        Assert.True(await _leases.ReleaseAsync(stale));
        var b = Manager("b");
        await b.TickAsync();
        Assert.Equal(2, b.Lease!.Token);
        Assert.Null(await _leases.TryRenewAsync(stale, Lease)); // fenced: the old token never renews again
    }

    [Fact]
    public async Task A_node_that_is_not_up_does_not_take_the_lease()
    {
        var up = false;
        var a = Manager("a", canHost: () => up);
        await a.TickAsync();
        Assert.False(a.IsRunning);
        up = true;
        await a.TickAsync();
        Assert.True(a.IsRunning);
    }

    [Fact]
    public async Task The_proxy_locates_the_live_holder_and_nothing_between_tenures()
    {
        var rows = MembershipSnapshot.Empty;
        var proxy = new ClusterSingletonProxy("coordinator", _leases, () => rows, _time);
        Assert.Null(await proxy.LocateAsync());

        var a = Manager("a");
        await a.TickAsync();
        Assert.Null(await proxy.LocateAsync()); // holder not in the membership view

        rows = new MembershipSnapshot(1, [new MemberRow("a", 1, "10.0.0.1:7355", MemberStatus.Up, _time.GetUtcNow(), [], [], _time.GetUtcNow())]);
        var location = await proxy.LocateAsync();
        Assert.Equal(("a", 1L, "10.0.0.1:7355", 1L), (location!.NodeName, location.Incarnation, location.Address, location.FencingToken));

        _time.Advance(Lease);
        Assert.Null(await proxy.LocateAsync()); // expired: no holder until someone takes it
    }

    private static void AssertNeverTwice(IReadOnlyList<SingletonRun> runs)
    {
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.True(runs[i].Token > runs[i - 1].Token);
            Assert.True(runs[i].StartedAt >= runs[i - 1].EndedBy, $"tenure {runs[i].Token} started before tenure {runs[i - 1].Token} ended");
        }
    }

    private sealed class Ledger
    {
        private int _running;

        public List<SingletonContext> Started { get; } = [];

        public int MaxConcurrent { get; private set; }

        public void Start(SingletonContext context)
        {
            Started.Add(context);
            MaxConcurrent = Math.Max(MaxConcurrent, ++_running);
            Assert.Equal(1, _running);
        }

        public void Stop() => _running--;
    }

    private sealed class Instance(Ledger ledger) : IClusterSingleton
    {
        public Task StartAsync(SingletonContext context, CancellationToken cancellationToken)
        {
            ledger.Start(context);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            ledger.Stop();
            return Task.CompletedTask;
        }
    }

    private sealed class BreakableLeases(ILeaseStore inner) : ILeaseStore
    {
        public bool Broken { get; set; }

        public bool Lost { get; set; }

        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task<LeaseAttempt> TryAcquireAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default) =>
            Broken ? throw new TimeoutException("store unreachable") : inner.TryAcquireAsync(name, holder, duration, cancellationToken);

        public Task<Lease?> TryRenewAsync(Lease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
            Broken ? throw new TimeoutException("store unreachable")
            : Lost ? Task.FromResult<Lease?>(null)
            : inner.TryRenewAsync(lease, duration, cancellationToken);

        public Task<bool> ReleaseAsync(Lease lease, CancellationToken cancellationToken = default) =>
            Broken ? throw new TimeoutException("store unreachable") : inner.ReleaseAsync(lease, cancellationToken);

        public Task<LeaseState?> ReadAsync(string name, CancellationToken cancellationToken = default) => inner.ReadAsync(name, cancellationToken);
    }
}
