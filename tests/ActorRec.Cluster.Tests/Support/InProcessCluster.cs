using ActorRec.Actors.TestKit;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;

namespace ActorRec.Cluster.Tests.Support;

/// <summary>
/// Several nodes in one process on loopback: each has its own actor system (on virtual time, so ask timeouts and
/// actor timers are driven by the test), a real <see cref="ClusterNode"/> (real sockets, heartbeats and membership
/// loop on the real clock, short intervals) and a <see cref="RemoteActorRefProvider"/>; all share one in-memory
/// membership table. Every wait is on an event with <see cref="TestTimeouts.Guard"/> as the failure guard.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly List<TestNode> _nodes = [];

    public InMemoryMembershipTable Table { get; } = new("actorrec");

    public IReadOnlyList<TestNode> Nodes => _nodes;

    public static ClusterSettings Settings(string node) => new ClusterSettings
    {
        NodeName = node,
        Hostname = "127.0.0.1",
        BindHost = "127.0.0.1",
        Port = 0,
        Secret = "remote-test-secret-0123456789",
        // Short intervals keep tests quick; the pause stays generous because the machine is shared and loaded.
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        FirstHeartbeatEstimate = TimeSpan.FromMilliseconds(100),
        MinStdDeviation = TimeSpan.FromMilliseconds(100),
        AcceptableHeartbeatPause = TimeSpan.FromSeconds(3),
        PollInterval = TimeSpan.FromMilliseconds(100),
        DownAfter = TimeSpan.FromSeconds(5),
    }.Validate();

    /// <summary>Starts a node; <paramref name="registry"/> must contain the remoting messages (AddRemoting).</summary>
    public async Task<TestNode> StartNodeAsync(string name, MessageSerializerRegistry registry)
    {
        var kit = new ActorTestKit("cluster", defaultTimeout: TestTimeouts.Guard);
        var remote = new RemoteActorRefProvider(kit.System, registry);
        var membership = new MembershipWaiter();
        var selfDown = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var node = new ClusterNode(Settings(name), Table, registry, remote, reason =>
        {
            selfDown.TrySetResult(reason);
            return Task.CompletedTask;
        }, onMembershipChanged: s =>
        {
            remote.OnMembershipChanged(s);
            membership.OnChanged(s);
        });
        remote.Attach(node.Transport);
        var testNode = new TestNode(name, kit, node, remote, membership, selfDown);
        _nodes.Add(testNode);
        await node.StartAsync();
        return testNode;
    }

    /// <summary>Waits until every started node sees all of them Up.</summary>
    public async Task WaitAllUpAsync()
    {
        var count = _nodes.Count;
        foreach (var n in _nodes)
        {
            await n.Membership.WaitAsync(s => s.Members.Count(m => m.Status == MemberStatus.Up) == count);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }
    }
}

/// <summary>One node of an <see cref="InProcessCluster"/>.</summary>
public sealed class TestNode(
    string name, ActorTestKit kit, ClusterNode node, RemoteActorRefProvider remote, MembershipWaiter membership, TaskCompletionSource<string> selfDown)
    : IAsyncDisposable
{
    private int _disposed;

    public string Name { get; } = name;

    public ActorTestKit Kit { get; } = kit;

    public ClusterNode Node { get; } = node;

    public RemoteActorRefProvider Remote { get; } = remote;

    public MembershipWaiter Membership { get; } = membership;

    public Task<string> SelfDown => selfDown.Task;

    public string Address => Node.Self.Address;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Node.DisposeAsync();
        await Kit.DisposeAsync();
    }
}

/// <summary>Records membership snapshots and lets a test wait for one that matches.</summary>
public sealed class MembershipWaiter
{
    private readonly Lock _gate = new();
    private readonly List<(Func<MembershipSnapshot, bool> Match, TaskCompletionSource<MembershipSnapshot> Done)> _waiters = [];
    private MembershipSnapshot _last = MembershipSnapshot.Empty;

    public void OnChanged(MembershipSnapshot snapshot)
    {
        lock (_gate)
        {
            _last = snapshot;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(snapshot))
                {
                    _waiters[i].Done.TrySetResult(snapshot);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public Task<MembershipSnapshot> WaitAsync(Func<MembershipSnapshot, bool> match)
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
}
