using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.Sharding;

/// <summary>
/// Random sequences of coordinator operations (seeded; 50 runs of 120 operations): after every one, the table in the
/// store equals the coordinator's view, each shard has one owner, an epoch only ever grows and grows by exactly one
/// when the owner changes, rebalance and drain never exceed the cap on simultaneous moves, shards of down nodes are
/// all re-homed, and a restarted coordinator continues from the same table.
/// </summary>
public sealed class ShardCoordinatorInvariantTests
{
    [Fact]
    public async Task Random_operation_sequences_keep_the_table_consistent()
    {
        var settings = ShardingSettings.Create(numberOfShards: 24, maxSimultaneousMoves: 4);
        for (var seed = 1; seed <= 50; seed++)
        {
            var random = new Random(seed);
            var store = new InMemoryShardAllocationStore();
            var token = 1L;
            var coordinator = new ShardCoordinator("t", store, settings, new ListLogger());
            await coordinator.StartAsync(token);
            var up = new List<string> { "n0", "n1" };
            var nextNode = 2;
            var seen = new Dictionary<int, ShardRecord>();

            for (var op = 0; op < 120; op++)
            {
                var dice = random.Next(100);
                string what;
                if (dice < 35)
                {
                    what = "locate";
                    await coordinator.LocateAsync(random.Next(24), up);
                }
                else if (dice < 45)
                {
                    what = "rebalance";
                    var before = coordinator.InHandoff;
                    var r = await coordinator.RebalanceAsync(up);
                    Assert.True(r.Changed.Count == 0 || coordinator.InHandoff <= settings.MaxSimultaneousMoves, $"seed {seed}: cap exceeded by rebalance ({before} -> {coordinator.InHandoff})");
                }
                else if (dice < 70)
                {
                    what = "complete";
                    var moving = coordinator.Shards.Values.Where(r => r.Status == ShardStatus.HandingOff).ToList();
                    if (moving.Count > 0)
                    {
                        var r = moving[random.Next(moving.Count)];
                        await coordinator.CompleteHandoffAsync(r.Shard, r.Epoch, up);
                    }
                }
                else if (dice < 78 && up.Count < 5)
                {
                    what = "join";
                    up.Add("n" + nextNode++);
                }
                else if (dice < 84 && up.Count > 1)
                {
                    what = "down";
                    var victim = up[random.Next(up.Count)];
                    up.Remove(victim);
                    await coordinator.NodeDownAsync(victim, up);
                    Assert.Equal(0, coordinator.OwnedBy(victim));
                }
                else if (dice < 90 && up.Count > 1)
                {
                    what = "drain";
                    var leaving = up[random.Next(up.Count)];
                    var rest = up.Where(n => n != leaving).ToList();
                    var before = coordinator.InHandoff;
                    var r = await coordinator.DrainAsync(leaving, rest);
                    Assert.True(r.Changed.Count == 0 || coordinator.InHandoff <= settings.MaxSimultaneousMoves, $"seed {seed}: cap exceeded by drain ({before} -> {coordinator.InHandoff})");
                }
                else
                {
                    what = "restart";
                    coordinator = new ShardCoordinator("t", store, settings, new ListLogger());
                    Assert.Equal(ShardWriteOutcome.Applied, await coordinator.StartAsync(++token));
                }

                var table = (await store.ReadAsync("t")).Shards;
                Assert.Equal(table, coordinator.Shards.Values.ToList());
                foreach (var r in table)
                {
                    Assert.True(r.Epoch >= 1 && r.Owner.Length > 0, $"seed {seed} after {what}: {r}");
                    Assert.True(r.Status == ShardStatus.Allocated ? r.HandoffTo is null : r.HandoffTo is not null && r.HandoffTo != r.Owner, $"seed {seed} after {what}: {r}");
                    if (seen.TryGetValue(r.Shard, out var old))
                    {
                        var expected = old.Owner == r.Owner ? old.Epoch : old.Epoch + 1;
                        Assert.True(r.Epoch == expected || (old.Owner == r.Owner && r.Epoch == old.Epoch + 1),
                            $"seed {seed} after {what}: shard {r.Shard} went from {old} to {r}");
                        Assert.True(r.Version >= old.Version);
                    }

                    seen[r.Shard] = r;
                }
            }
        }
    }
}
