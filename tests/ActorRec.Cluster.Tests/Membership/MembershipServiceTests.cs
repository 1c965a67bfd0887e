using ActorRec.Actors.TestKit;
using System.Collections.Concurrent;
using ActorRec.Cluster.FailureDetection;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.Membership;

public sealed class MembershipServiceTests : IAsyncLifetime
{
    private readonly VirtualTimeProvider _time = new();
    private readonly InMemoryMembershipTable _table = new("test");
    private readonly List<MembershipService> _services = [];

    private static ClusterSettings Settings(string node) => new ClusterSettings { NodeName = node, Secret = "0123456789abcdef0123" }.Validate();

    private (MembershipService Service, Listener Listener) Create(string node, IFailureDetectorView? fd = null, long incarnation = 1, params IBeforeLeaveHook[] hooks)
    {
        var listener = new Listener(node);
        var service = new MembershipService(Settings(node), _table, incarnation, node + ":7355", fd ?? new Suspects(), listener, hooks, _time);
        _services.Add(service);
        return (service, listener);
    }

    private async Task<MemberRow> RowOf(string node, long incarnation = 1) => (await _table.ReadAllAsync()).Find(node, incarnation)!;

    [Fact]
    public async Task Joining_nodes_become_up_and_gossip_their_writes()
    {
        var (a, al) = Create("a");
        var (b, _) = Create("b");
        await a.JoinAsync();
        await b.JoinAsync();
        Assert.Equal(MemberStatus.Up, (await RowOf("a")).Status);
        Assert.Equal(MemberStatus.Up, (await RowOf("b")).Status);
        Assert.Equal([1L, 2L], al.LocalWrites.Order()); // insert, promote
        Assert.Equal(4, (await _table.ReadAllAsync()).Version);
    }

    [Fact]
    public async Task A_crashed_node_is_declared_down_by_stale_heartbeat_within_down_after_plus_one_poll_and_stops_when_it_wakes()
    {
        var (a, _) = Create("a");
        var (b, bl) = Create("b");
        await a.JoinAsync();
        await b.JoinAsync();
        var crashedAt = _time.GetUtcNow();
        await b.DisposeAsync(); // b's process freezes: no more heartbeats or rounds

        var poll = Settings("a").PollInterval;
        var elapsed = TimeSpan.Zero;
        while ((await RowOf("b")).Status != MemberStatus.Down)
        {
            _time.Advance(poll);
            elapsed += poll;
            await a.RunRoundAsync(CancellationToken.None);
            Assert.True(elapsed <= TimeSpan.FromSeconds(10), "not marked down within 10 s");
        }

        Assert.InRange(elapsed, Settings("a").DownAfter, Settings("a").DownAfter + poll);

        // b comes back (a long GC pause ends): it reads itself down, calls the self-down hook, and never writes again.
        var heartbeatBefore = (await RowOf("b")).LastHeartbeat;
        Assert.Equal(crashedAt, heartbeatBefore);
        await b.RunRoundAsync(CancellationToken.None);
        Assert.True(b.IsFinished);
        Assert.Contains("declared down", await bl.SelfDown.Task.WaitAsync(TestTimeouts.Guard), StringComparison.Ordinal);
        Assert.Equal(heartbeatBefore, (await RowOf("b")).LastHeartbeat);
    }

    [Fact]
    public async Task Rows_of_dead_members_are_deleted_after_the_retention()
    {
        var (a, _) = Create("a");
        var (b, _) = Create("b");
        await a.JoinAsync();
        await b.JoinAsync();
        await b.DisposeAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await a.RunRoundAsync(CancellationToken.None);
        Assert.Equal(MemberStatus.Down, (await RowOf("b")).Status);

        _time.Advance(Settings("a").DeadRowRetention - TimeSpan.FromSeconds(15)); // b last heartbeat 5 s before the limit
        await a.RunRoundAsync(CancellationToken.None);
        Assert.NotNull(await RowOf("b"));
        _time.Advance(TimeSpan.FromSeconds(10));
        await a.RunRoundAsync(CancellationToken.None);
        Assert.Null((await _table.ReadAllAsync()).Find("b", 1));
        Assert.Equal(MemberStatus.Up, (await RowOf("a")).Status);
    }

    [Fact]
    public async Task A_member_suspected_by_a_quorum_is_declared_down_although_it_still_heartbeats_the_table()
    {
        var suspectC = new Suspects("c#1");
        var (a, _) = Create("a", suspectC);
        var (b, _) = Create("b", suspectC);
        var (c, cl) = Create("c");
        await a.JoinAsync();
        await b.JoinAsync();
        await c.JoinAsync();

        await a.RunRoundAsync(CancellationToken.None);
        var afterA = await RowOf("c");
        Assert.Equal(MemberStatus.Up, afterA.Status);
        Assert.Equal(["a#1"], afterA.Suspicions.Select(s => s.By));

        await b.RunRoundAsync(CancellationToken.None);
        Assert.Equal(MemberStatus.Down, (await RowOf("c")).Status);

        await c.RunRoundAsync(CancellationToken.None);
        Assert.True(c.IsFinished);
        await cl.SelfDown.Task.WaitAsync(TestTimeouts.Guard);
    }

    [Fact]
    public async Task A_restarted_node_supersedes_its_old_incarnation()
    {
        var (a, _) = Create("a");
        var (old, oldListener) = Create("b", incarnation: 1);
        await a.JoinAsync();
        await old.JoinAsync();
        var (fresh, _) = Create("b", incarnation: 2);
        await fresh.JoinAsync();
        await a.RunRoundAsync(CancellationToken.None);
        Assert.Equal(MemberStatus.Down, (await RowOf("b", 1)).Status);
        Assert.Equal(MemberStatus.Up, (await RowOf("b", 2)).Status);
        await old.RunRoundAsync(CancellationToken.None);
        Assert.Contains("declared down", await oldListener.SelfDown.Task.WaitAsync(TestTimeouts.Guard), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_without_the_secret_cannot_join_through_the_table()
    {
        var (a, _) = Create("a");
        await a.JoinAsync();
        var intruderSettings = Settings("mallory") with { Secret = "not-the-cluster-secret!" };
        var intruder = new MembershipService(intruderSettings, _table, 1, "mallory:1", new Suspects(), new Listener("mallory"), time: _time);
        _services.Add(intruder);
        await intruder.JoinAsync();

        // It cannot verify any member with its secret: it stops at once, without promoting itself or judging others.
        Assert.True(intruder.IsFinished);
        Assert.Equal(MemberStatus.Joining, (await RowOf("mallory")).Status);
        Assert.Equal(MemberStatus.Up, (await RowOf("a")).Status);

        await a.RunRoundAsync(CancellationToken.None);
        Assert.Equal(MemberStatus.Down, (await RowOf("mallory")).Status);
        Assert.Equal(MemberStatus.Up, (await RowOf("a")).Status);
    }

    [Fact]
    public async Task Graceful_leave_runs_the_hooks_while_leaving_then_exits_and_is_removed()
    {
        var hook = new Hook();
        var (a, al) = Create("a", hooks: hook);
        var (b, _) = Create("b");
        await a.JoinAsync();
        await b.JoinAsync();

        var left = a.LeaveAsync();
        var seen = await hook.Called.Task.WaitAsync(TestTimeouts.Guard);
        Assert.Equal(MemberStatus.Leaving, seen.Find("a", 1)!.Status);
        Assert.False(left.IsCompleted);
        hook.Release.TrySetResult();

        await al.WaitForStatusAsync(MemberStatus.Exiting);
        Assert.False(left.IsCompleted);
        await a.RunRoundAsync(CancellationToken.None);
        await left.WaitAsync(TestTimeouts.Guard);
        Assert.Equal(MemberStatus.Removed, (await RowOf("a")).Status);
        Assert.False(al.SelfDown.Task.IsCompleted);
        Assert.True(a.IsFinished);
    }

    [Fact]
    public async Task A_gossiped_newer_version_makes_the_loop_poll_at_once()
    {
        var (a, al) = Create("a");
        await a.JoinAsync();
        var (b, bl) = Create("b");
        await b.JoinAsync();

        a.OnGossip(bl.LocalWrites.Max());
        var snapshot = await al.WaitForAsync(s => s.Find("b", 1)?.Status == MemberStatus.Up);
        Assert.Equal(2, snapshot.Members.Length);
    }

    [Fact]
    public async Task The_poll_loop_runs_on_the_injected_clock()
    {
        var (a, al) = Create("a");
        var waiting = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        a.WaitingForPoll += () => waiting.Writer.TryWrite(true);
        await a.JoinAsync();
        await waiting.NextAsync(); // a's loop sleeps on the virtual clock
        var (b, _) = Create("b");
        await b.JoinAsync();
        var sawB = al.WaitForAsync(s => s.Find("b", 1) is not null);
        _time.Advance(Settings("a").PollInterval - TimeSpan.FromMilliseconds(1));
        Assert.False(sawB.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await sawB.WaitAsync(TestTimeouts.Guard);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var s in _services)
        {
            await s.DisposeAsync();
        }
    }

    private sealed class Suspects(params string[] keys) : IFailureDetectorView
    {
        public bool IsSuspected(string memberKey) => keys.Contains(memberKey);
    }

    private sealed class Hook : IBeforeLeaveHook
    {
        public TaskCompletionSource<MembershipSnapshot> Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task BeforeLeaveAsync(MembershipSnapshot membership, CancellationToken cancellationToken)
        {
            Called.TrySetResult(membership);
            await Release.Task.WaitAsync(cancellationToken);
        }
    }

    private sealed class Listener(string node) : IMembershipListener
    {
        private readonly Lock _gate = new();
        private readonly List<(Func<MembershipSnapshot, bool> Match, TaskCompletionSource<MembershipSnapshot> Done)> _waiters = [];
        private MembershipSnapshot _last = MembershipSnapshot.Empty;

        public ConcurrentBag<long> LocalWrites { get; } = [];

        public TaskCompletionSource<string> SelfDown { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnMembershipChanged(MembershipSnapshot snapshot)
        {
            lock (_gate)
            {
                _last = snapshot;
                foreach (var w in _waiters.Where(w => w.Match(snapshot)).ToList())
                {
                    w.Done.TrySetResult(snapshot);
                    _waiters.Remove(w);
                }
            }
        }

        public void OnLocalWrite(long tableVersion) => LocalWrites.Add(tableVersion);

        public Task OnSelfDownAsync(string reason)
        {
            SelfDown.TrySetResult(reason);
            return Task.CompletedTask;
        }

        public Task<MembershipSnapshot> WaitForAsync(Func<MembershipSnapshot, bool> match)
        {
            lock (_gate)
            {
                if (match(_last))
                {
                    return Task.FromResult(_last);
                }

                var done = new TaskCompletionSource<MembershipSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((match, done));
                return done.Task.WaitAsync(TestTimeouts.Guard);
            }
        }

        public Task<MembershipSnapshot> WaitForStatusAsync(MemberStatus status) => WaitForAsync(s => s.Find(node, 1)?.Status == status);
    }
}
