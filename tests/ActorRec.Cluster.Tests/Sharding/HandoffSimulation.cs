using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.Sharding;

/// <summary>A message a test sender routes: sender node and its running sequence number.</summary>
internal sealed record TestMessage(string Sender, int Seq);

/// <summary>One message delivered to a local entity.</summary>
internal sealed record Delivery(string Node, int Shard, long Epoch, string EntityId, TestMessage Message);

/// <summary>
/// An in-process cluster for the handoff protocol: one <see cref="RegionShardRouter"/> per node, a
/// <see cref="ShardCoordinator"/> on an in-memory store, and a fake transport of FIFO links (one per ordered node
/// pair, plus each node's link to itself for entity stops). A seeded scheduler delivers the head of a random
/// non-empty link at each step, so every run explores another interleaving of the same protocol. Entities are
/// recorders: each delivery is checked against the coordinator's table at that moment.
/// </summary>
internal sealed class HandoffSimulation
{
    public const string Coordinator = "coordinator";
    private readonly Dictionary<(string From, string To), Queue<Func<Task>>> _links = [];
    private readonly List<Queue<Func<Task>>> _linkOrder = [];
    private readonly List<Queue<Func<Task>>> _ready = [];
    private readonly Random _random;

    public HandoffSimulation(int seed, string[] nodes, ShardingSettings settings, int bufferSize = 100_000)
    {
        _random = new Random(seed);
        Nodes = nodes;
        Resolver = new ShardResolver(settings.NumberOfShards);
        Log = new ListLogger();
        Coord = new ShardCoordinator("user", new InMemoryShardAllocationStore(), settings, Log);
        foreach (var node in nodes)
        {
            Routers[node] = new RegionShardRouter("user", node, Resolver, bufferSize, new Host(this, node), Log);
        }
    }

    public string[] Nodes { get; }

    public ShardResolver Resolver { get; }

    public ListLogger Log { get; }

    public ShardCoordinator Coord { get; }

    public Dictionary<string, RegionShardRouter> Routers { get; } = new(StringComparer.Ordinal);

    public List<Delivery> Deliveries { get; } = [];

    public List<string> Violations { get; } = [];

    public List<RoutedMessage> RefusedMessages { get; } = [];

    public bool HasPending => _linkOrder.Exists(q => q.Count > 0);

    public void Send(string from, string to, Func<Task> action)
    {
        if (!_links.TryGetValue((from, to), out var queue))
        {
            _links[(from, to)] = queue = new Queue<Func<Task>>();
            _linkOrder.Add(queue);
        }

        queue.Enqueue(action);
    }

    public void Send(string from, string to, Action action) => Send(from, to, () =>
    {
        action();
        return Task.CompletedTask;
    });

    /// <summary>Runs the head of a random non-empty link; false when nothing is pending.</summary>
    public async Task<bool> StepAsync()
    {
        _ready.Clear();
        foreach (var queue in _linkOrder)
        {
            if (queue.Count > 0)
            {
                _ready.Add(queue);
            }
        }

        if (_ready.Count == 0)
        {
            return false;
        }

        await _ready[_random.Next(_ready.Count)].Dequeue()();
        return true;
    }

    public async Task DrainAsync()
    {
        for (var i = 0; await StepAsync(); i++)
        {
            Assert.True(i < 1_000_000, "the protocol did not settle");
        }
    }

    /// <summary>Operator move of a random allocated shard to another node; the coordinator tells every region.</summary>
    public async Task<bool> MoveRandomShardAsync()
    {
        var candidates = Coord.Shards.Values.Where(r => r.Status == ShardStatus.Allocated).ToList();
        if (candidates.Count == 0)
        {
            return false;
        }

        var record = candidates[_random.Next(candidates.Count)];
        var others = Nodes.Where(n => n != record.Owner).ToArray();
        var result = await Coord.MoveAsync(record.Shard, others[_random.Next(others.Length)], Nodes);
        Assert.Equal(ShardWriteOutcome.Applied, result.Outcome);
        var begun = Assert.Single(result.Changed);
        foreach (var node in Nodes)
        {
            Send(Coordinator, node, () => Routers[node].OnBeginHandoff(begun.Shard, begun.Owner, begun.Epoch, Nodes));
        }

        return true;
    }

    public int Next(int max) => _random.Next(max);

    private static ShardHome HomeOf(ShardRecord r, string? handoverFrom = null) =>
        new(r.Shard, r.Owner, r.Epoch, r.Status == ShardStatus.HandingOff, handoverFrom);

    private sealed class Host(HandoffSimulation sim, string self) : IRegionEffects
    {
        public void DeliverLocal(int shard, long epoch, in RoutedMessage message)
        {
            // Fencing invariant: only the owner of the current epoch delivers (checked once the coordinator runs).
            if (sim.Coord.Token > 0 && (!sim.Coord.Shards.TryGetValue(shard, out var record) || record.Owner != self || record.Epoch != epoch))
            {
                sim.Violations.Add($"{self} delivered shard {shard} at epoch {epoch} but the table says {sim.Coord.Shards.GetValueOrDefault(shard)}");
            }

            sim.Deliveries.Add(new Delivery(self, shard, epoch, message.EntityId, (TestMessage)message.Message));
        }

        public void Forward(string node, int shard, in RoutedMessage message)
        {
            var m = message;
            sim.Send(self, node, () => sim.Routers[node].Route(m));
        }

        public void RequestHome(int shard) => sim.Send(self, Coordinator, async () =>
        {
            var result = await sim.Coord.LocateAsync(shard, sim.Nodes);
            Assert.Equal(ShardWriteOutcome.Applied, result.Outcome);
            var home = HomeOf(Assert.Single(result.Changed));
            sim.Send(Coordinator, self, () => sim.Routers[self].OnHome(home));
        });

        public void StopEntities(int shard) => sim.Send(self, self, () => sim.Routers[self].OnEntitiesStopped(shard));

        public void SendBarrier(string owner, int shard, long epoch) => sim.Send(self, owner, () => sim.Routers[owner].OnBarrier(shard, epoch, self));

        public void Released(int shard, long epoch) => sim.Send(self, Coordinator, async () =>
        {
            var result = await sim.Coord.CompleteHandoffAsync(shard, epoch, sim.Nodes);
            Assert.Equal(ShardWriteOutcome.Applied, result.Outcome);
            var home = HomeOf(Assert.Single(result.Changed), handoverFrom: self);
            foreach (var node in sim.Nodes)
            {
                sim.Send(Coordinator, node, () => sim.Routers[node].OnHome(home));
            }
        });

        public void Handover(string newOwner, int shard, long epoch, IReadOnlyList<RoutedMessage> messages) =>
            sim.Send(self, newOwner, () => sim.Routers[newOwner].OnHandover(shard, epoch, messages));

        public void Refused(int shard, in RoutedMessage message) => sim.RefusedMessages.Add(message);
    }
}
