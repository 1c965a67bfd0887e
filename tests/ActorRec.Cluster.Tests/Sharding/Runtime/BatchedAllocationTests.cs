using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Tests.MultiProcess;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.Sharding.Runtime;

/// <summary>
/// The coordinator allocates in rounds: while one allocation write is in flight, the home requests of every region
/// queue up, and the next round places every shard they name in one write. Here the first write is held until all
/// three regions wait on all 64 shards, so the whole cold start must take a handful of writes (one per shard before
/// batching), and the result is the fewest-shards-first spread at epoch 1 with every message delivered.
/// </summary>
public sealed class BatchedAllocationTests : IAsyncLifetime
{
    private const int Shards = 64;
    private readonly HeldFirstWriteStore _store = new(new InMemoryShardAllocationStore());
    private readonly ShardingTestCluster _cluster;

    public BatchedAllocationTests() => _cluster = new ShardingTestCluster(ShardingSettings.Create(numberOfShards: Shards), store: _store);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _store.Release();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_cold_start_with_every_region_asking_for_every_shard_is_allocated_in_a_few_writes()
    {
        var nodes = new List<ShardNode>();
        foreach (var name in new[] { "a", "b", "c" })
        {
            nodes.Add(await _cluster.StartNodeAsync(name));
        }

        await _cluster.WaitUpAsync(3);
        await _cluster.WaitCoordinatorAsync(3);

        // One entity per shard, told from every node.
        var ids = new string[Shards];
        for (var i = 0; ids.Contains(null); i++)
        {
            var id = "e" + i;
            ids[nodes[0].Region.ShardOf(id)] ??= id;
        }

        foreach (var node in nodes)
        {
            foreach (var id in ids)
            {
                node.Region.Tell(id, new Add(node.Name, 1));
            }
        }

        await _store.Held.WaitAsync(TestTimeouts.Guard);
        foreach (var node in nodes)
        {
            await Poll.UntilAsync(async () =>
            {
                var d = await node.Sharding.DescribeAsync(ShardingTestCluster.TypeName);
                return d.CoordinatorKnown && d.Phases.TryGetValue(nameof(ShardPhase.Resolving), out var resolving) && resolving == Shards;
            }, TestTimeouts.Guard, $"{node.Name} waits on the home of every shard");
        }

        _store.Release();
        var logs = await _cluster.WaitLogsAsync(nodes[1], ids, 3);
        ShardingTestCluster.AssertCompleteAndOrdered(logs, ["a", "b", "c"], 1);

        // The held write placed the shards asked for before the coordinator's first round began (one, or all 64 when
        // every request had already arrived); the requests queued behind it, the rest in one round (a request still
        // crossing the loopback link at the release can make a round of its own). One write per shard would be 64.
        Assert.InRange(_store.Writes, 1, 4);
        var map = await nodes[2].Sharding.GetShardMapAsync(ShardingTestCluster.TypeName);
        Assert.All(map.Shards, s => Assert.Equal(("allocated", 1L), (s.Status, s.Epoch)));
        Assert.Equal([22, 21, 21], new[] { "a", "b", "c" }.Select(n => map.Shards.Count(s => s.Node == n)).Order().Reverse());
        Assert.Equal(Shards, _cluster.Log.Entries.Count(e => e.EventId == 1600));
    }

    /// <summary>Holds the first row write until <see cref="Release"/>; counts row writes.</summary>
    private sealed class HeldFirstWriteStore(IShardAllocationStore inner) : IShardAllocationStore
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _writes;

        public Task Held => _held.Task;

        public int Writes => Volatile.Read(ref _writes);

        public void Release() => _release.TrySetResult();

        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task<ShardWriteOutcome> ClaimAsync(string typeName, long coordinatorToken, int numberOfShards, CancellationToken cancellationToken = default) =>
            inner.ClaimAsync(typeName, coordinatorToken, numberOfShards, cancellationToken);

        public Task<ShardAllocationSnapshot> ReadAsync(string typeName, CancellationToken cancellationToken = default) => inner.ReadAsync(typeName, cancellationToken);

        public async Task<ShardWriteOutcome> TryWriteAsync(string typeName, long coordinatorToken, IReadOnlyList<ShardChange> changes, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _writes) == 1)
            {
                _held.TrySetResult();
                await _release.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return await inner.TryWriteAsync(typeName, coordinatorToken, changes, cancellationToken).ConfigureAwait(false);
        }
    }
}
