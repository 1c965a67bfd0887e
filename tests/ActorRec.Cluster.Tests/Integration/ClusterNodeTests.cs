using System.Threading.Channels;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Tests.Support;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;
using Google.Protobuf;

namespace ActorRec.Cluster.Tests.Integration;

/// <summary>
/// Three in-process nodes on loopback with real sockets, real heartbeats and the real clock (short intervals), sharing
/// one membership table. Every wait is on an event, with a generous guard; nothing sleeps.
/// </summary>
public sealed class ClusterNodeTests : IAsyncLifetime
{
    private readonly InMemoryMembershipTable _table = new("actorrec");
    private readonly List<ClusterNode> _nodes = [];
    private readonly Dictionary<string, MembershipWaiter> _watchers = [];
    private readonly Dictionary<string, Sink> _sinks = [];
    private readonly Dictionary<string, TaskCompletionSource<string>> _selfDown = [];

    private static readonly MessageSerializerRegistry Registry = new MessageSerializerRegistryBuilder()
        .Register<string>("test.text", ByteString.CopyFromUtf8, p => System.Text.Encoding.UTF8.GetString(p))
        .Build();

    private static ClusterSettings Settings(string node) => new ClusterSettings
    {
        NodeName = node,
        Hostname = "127.0.0.1",
        BindHost = "127.0.0.1",
        Port = 0,
        Secret = "integration-secret-0123456789",
        // Short intervals keep the test quick; the pause stays generous because the test machine is shared and
        // loaded (other test classes run in parallel), and a false suspicion here would be a flaky test.
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        FirstHeartbeatEstimate = TimeSpan.FromMilliseconds(100),
        MinStdDeviation = TimeSpan.FromMilliseconds(100),
        AcceptableHeartbeatPause = TimeSpan.FromSeconds(3),
        PollInterval = TimeSpan.FromMilliseconds(100),
        DownAfter = TimeSpan.FromSeconds(5),
    }.Validate();

    private async Task<ClusterNode> StartAsync(string name)
    {
        var watcher = new MembershipWaiter();
        var sink = new Sink();
        var down = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var node = new ClusterNode(Settings(name), _table, Registry, sink, reason =>
        {
            down.TrySetResult(reason);
            return Task.CompletedTask;
        }, onMembershipChanged: watcher.OnChanged);
        _watchers[name] = watcher;
        _sinks[name] = sink;
        _selfDown[name] = down;
        _nodes.Add(node);
        await node.StartAsync();
        return node;
    }

    [Fact]
    public async Task Nodes_join_exchange_messages_detect_a_killed_node_and_leave_gracefully()
    {
        var a = await StartAsync("a");
        var b = await StartAsync("b");
        var c = await StartAsync("c");
        await _watchers["a"].WaitAsync(s => s.Members.Count(m => m.Status == MemberStatus.Up) == 3);

        Assert.True(Registry.TrySerialize("hello b", out var manifest, out var payload));
        a.Transport.Send(b.Self.Address, new RemoteEnvelope { Recipient = "/user/x", Manifest = manifest, Payload = payload });
        var delivered = await _sinks["b"].Delivered.NextAsync();
        Assert.Equal(("hello b", "a"), ((string)delivered.Message, delivered.From.NodeName));

        // kill c: no goodbye, its sockets and loops just stop.
        await c.DisposeAsync();
        var down = await _watchers["a"].WaitAsync(s => s.Find("c", c.Self.Incarnation)?.Status == MemberStatus.Down);
        await _watchers["b"].WaitAsync(s => s.Find("c", c.Self.Incarnation)?.Status == MemberStatus.Down);
        Assert.Equal(MemberStatus.Up, down.Find("a", a.Self.Incarnation)!.Status);
        Assert.Equal(MemberStatus.Up, down.Find("b", b.Self.Incarnation)!.Status);

        // b leaves gracefully.
        await b.LeaveAsync().WaitAsync(TestTimeouts.Guard);
        await _watchers["a"].WaitAsync(s => s.Find("b", b.Self.Incarnation)?.Status == MemberStatus.Removed);
        Assert.False(_selfDown["a"].Task.IsCompleted);
        Assert.False(_selfDown["b"].Task.IsCompleted);
    }

    [Fact]
    public async Task A_node_declared_down_by_the_others_is_told_to_stop()
    {
        var a = await StartAsync("a");
        var b = await StartAsync("b");
        await _watchers["b"].WaitAsync(s => s.Members.Count(m => m.Status == MemberStatus.Up) == 2);

        // An operator (or the quorum) marks b down while b is alive: b must notice and stop.
        var snapshot = await _table.ReadAllAsync();
        var row = snapshot.Find("b", b.Self.Incarnation)!;
        Assert.Equal(WriteOutcome.Applied, await _table.TryUpdateAsync(row with { Status = MemberStatus.Down }, snapshot.Version));
        a.Transport.SendGossip(b.Self.Address, snapshot.Version + 1);

        Assert.Contains("declared down", await _selfDown["b"].Task.WaitAsync(TestTimeouts.Guard), StringComparison.Ordinal);
        Assert.True(b.Membership.IsFinished);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    private sealed class Sink : IRemoteMessageSink
    {
        public Channel<InboundMessage> Delivered { get; } = Channel.CreateUnbounded<InboundMessage>();

        public void Deliver(in InboundMessage message) => Delivered.Writer.TryWrite(message);

        public void DeadLetter(PeerIdentity from, RemoteEnvelope envelope, string reason)
        {
        }
    }
}
