using ActorRec.Cluster.Membership;

namespace ActorRec.Server.Sharding;

/// <summary>
/// Which other nodes of the cluster this node has lost, so that requests waiting on them fail at once instead of
/// hanging until their deadline.
/// <para>
/// A node is <i>lost</i> while any of three signals holds: the active transport connection to it closed (frames
/// written to it may be gone, and until the transport redials nothing reaches it); this node's failure detector
/// suspects it (a suspicion by this node in the membership table: it is unreachable); or the membership table has no
/// live row of it any more (down, removed). It is found again when every signal has cleared (reconnected, no longer
/// suspected, live again: a restarted node is a new incarnation under the same name).
/// </para>
/// <para>
/// Each node has a <i>loss signal</i>, a task completed with the reason at the moment the node is lost. A request
/// routed to a node races its reply against that node's signal (<see cref="LostSignal"/>); a request routed to a node
/// already lost fails before it is sent (<see cref="IsLost"/>). Once found again, a node gets a fresh signal. The
/// signals are completed outside the lock and run their continuations asynchronously, so no caller's code runs under
/// it or on the transport's receive loop. A node never seen is not lost: the transport dials lazily.
/// </para>
/// <para>The watch also keeps the transport address of each live node (for the bundled messages it receives).</para>
/// </summary>
public sealed class NodeLossWatch
{
    private readonly Lock _gate = new();
    private readonly string _selfNode;
    private readonly Dictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private string? _selfKey;
    private volatile Dictionary<string, string> _addresses = new(StringComparer.Ordinal);
    private long _losses;

    /// <param name="selfNode">This node's name (never lost to itself).</param>
    public NodeLossWatch(string selfNode)
    {
        ArgumentException.ThrowIfNullOrEmpty(selfNode);
        _selfNode = selfNode;
    }

    /// <summary>How many times a node was lost (for logs, metrics and tests).</summary>
    public long Losses => Interlocked.Read(ref _losses);

    /// <summary>The transport address of live node <paramref name="node"/>.</summary>
    public bool TryGetAddress(string node, out string address) => _addresses.TryGetValue(node, out address!);

    /// <summary>True (with why) while <paramref name="node"/> is lost.</summary>
    public bool IsLost(string node, out string reason)
    {
        lock (_gate)
        {
            if (_nodes.TryGetValue(node, out var state) && state.Reason() is { } why)
            {
                reason = why;
                return true;
            }
        }

        reason = "";
        return false;
    }

    /// <summary>Completes with the reason when <paramref name="node"/> is next lost (at once when it is lost now).</summary>
    public Task<string> LostSignal(string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        lock (_gate)
        {
            return State(node).Signal.Task;
        }
    }

    /// <summary>This node's own member key (its suspicions are the ones that count), once the transport is bound.</summary>
    public void SetSelfKey(string memberKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(memberKey);
        lock (_gate)
        {
            _selfKey = memberKey;
        }
    }

    /// <summary>A new membership table version: live rows, addresses and this node's suspicions.</summary>
    public void OnMembership(MembershipSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
        var suspected = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var selfKey = Volatile.Read(ref _selfKey);
        foreach (var m in snapshot.Members)
        {
            if (m.NodeName == _selfNode)
            {
                continue;
            }

            seen.Add(m.NodeName);
            if (!m.IsLive)
            {
                continue;
            }

            addresses[m.NodeName] = m.Address;
            foreach (var s in m.Suspicions)
            {
                if (selfKey is not null && s.By == selfKey)
                {
                    suspected.Add(m.NodeName);
                }
            }
        }

        _addresses = addresses;
        var lost = new List<(TaskCompletionSource<string> Signal, string Reason)>();
        lock (_gate)
        {
            foreach (var node in seen)
            {
                var state = State(node);
                var live = addresses.ContainsKey(node);
                Update(state, s =>
                {
                    s.NotLive = !live;
                    s.Suspected = live && suspected.Contains(node);
                }, lost);
            }

            foreach (var (node, state) in _nodes)
            {
                if (!seen.Contains(node))
                {
                    Update(state, s => s.NotLive = true, lost); // gone from the table: removed
                }
            }
        }

        Complete(lost);
    }

    /// <summary>The transport's active connection to <paramref name="node"/> closed.</summary>
    public void OnDisconnected(string node) => Set(node, s => s.Disconnected = true);

    /// <summary>The transport has an active connection to <paramref name="node"/> again.</summary>
    public void OnConnected(string node) => Set(node, s => s.Disconnected = false);

    private void Set(string node, Action<NodeState> change)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        if (node == _selfNode)
        {
            return;
        }

        var lost = new List<(TaskCompletionSource<string> Signal, string Reason)>();
        lock (_gate)
        {
            Update(State(node), change, lost);
        }

        Complete(lost);
    }

    // Applies a change; a node that goes from found to lost has its signal queued for completion (outside the lock),
    // a node found again gets a fresh signal.
    private void Update(NodeState state, Action<NodeState> change, List<(TaskCompletionSource<string>, string)> lost)
    {
        var before = state.Reason();
        change(state);
        var after = state.Reason();
        if (before is null && after is not null)
        {
            Interlocked.Increment(ref _losses);
            lost.Add((state.Signal, after));
        }
        else if (before is not null && after is null)
        {
            state.Signal = NewSignal();
        }
    }

    private static void Complete(List<(TaskCompletionSource<string> Signal, string Reason)> lost)
    {
        foreach (var (signal, reason) in lost)
        {
            signal.TrySetResult(reason);
        }
    }

    private NodeState State(string node)
    {
        if (!_nodes.TryGetValue(node, out var state))
        {
            state = new NodeState(node) { Signal = NewSignal() };
            _nodes[node] = state;
        }

        return state;
    }

    private static TaskCompletionSource<string> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class NodeState(string node)
    {
        public required TaskCompletionSource<string> Signal { get; set; }

        public bool Disconnected { get; set; }

        public bool Suspected { get; set; }

        public bool NotLive { get; set; }

        public string? Reason() =>
            NotLive ? $"node {node} is down (no live member of that name in the membership table)"
            : Disconnected ? $"the connection to node {node} was lost"
            : Suspected ? $"node {node} is unreachable (this node's failure detector suspects it)"
            : null;
    }
}
