using ActorRec.Cluster.Sharding;
using FsCheck;
using FsCheck.Fluent;

namespace ActorRec.Cluster.Tests.Sharding;

public sealed class ShardAllocationStrategyTests
{
    /// <summary>A random cluster: 1–8 nodes, 0–300 shards spread unevenly, some of them in handoff.</summary>
    private static (List<NodeLoad> Nodes, HashSet<int> InHandoff, ShardAllocationStrategy Strategy) Scenario(int seed)
    {
        var random = new Random(seed);
        var nodeCount = random.Next(1, 9);
        var lists = Enumerable.Range(0, nodeCount).Select(_ => new List<int>()).ToArray();
        var shards = random.Next(0, 301);
        var skew = random.NextDouble();
        for (var s = 0; s < shards; s++)
        {
            // With probability `skew` the shard lands on node 0 (a new or lucky node gets few or many).
            lists[random.NextDouble() < skew ? 0 : random.Next(nodeCount)].Add(s);
        }

        var nodes = lists.Select((l, i) => new NodeLoad("node-" + i, l)).ToList();
        var inHandoff = new HashSet<int>(Enumerable.Range(0, shards).Where(_ => random.Next(20) == 0).Take(random.Next(0, 6)));
        var strategy = new ShardAllocationStrategy(random.Next(2, 6), random.NextDouble() * 0.5, random.Next(1, 12));
        return (nodes, inHandoff, strategy);
    }

    private static Dictionary<string, int> Apply(IEnumerable<NodeLoad> nodes, IEnumerable<PlannedMove> moves)
    {
        var counts = nodes.ToDictionary(n => n.Node, n => n.Shards.Count);
        foreach (var m in moves)
        {
            counts[m.From]--;
            counts[m.To]++;
        }

        return counts;
    }

    [Fact]
    public void Allocation_goes_to_a_node_with_fewest_shards()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var (nodes, _, _) = Scenario(seed);
            var chosen = nodes.Single(n => n.Node == ShardAllocationStrategy.Allocate(nodes));
            var fewest = nodes.Min(n => n.Shards.Count);
            var firstFewest = nodes.Where(n => n.Shards.Count == fewest).Select(n => n.Node).Order(StringComparer.Ordinal).First();
            return chosen.Shards.Count == fewest && chosen.Node == firstFewest;
        });
        property.QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Rebalance_respects_the_cap_never_moves_a_shard_twice_or_one_in_handoff()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var (nodes, inHandoff, strategy) = Scenario(seed);
            var moves = strategy.Rebalance(nodes, inHandoff);
            var owners = nodes.SelectMany(n => n.Shards.Select(s => (s, n.Node))).ToDictionary(p => p.s, p => p.Node);
            return moves.Count <= Math.Max(0, strategy.MaxSimultaneousMoves - inHandoff.Count)
                && moves.Select(m => m.Shard).Distinct().Count() == moves.Count
                && moves.All(m => !inHandoff.Contains(m.Shard) && owners[m.Shard] == m.From && m.To != m.From)
                && moves.All(m => nodes.Any(n => n.Node == m.To));
        });
        property.QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Rebalance_moves_nothing_under_the_thresholds_and_something_above_them()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var (nodes, inHandoff, strategy) = Scenario(seed);
            var moves = strategy.Rebalance(nodes, inHandoff);
            if (!strategy.IsUnbalanced(nodes))
            {
                return moves.Count == 0;
            }

            // Above the thresholds with budget left, it moves unless every surplus shard is already in handoff.
            var budget = strategy.MaxSimultaneousMoves - inHandoff.Count;
            var maxNode = nodes.MaxBy(n => n.Shards.Count)!;
            var movableOnMax = maxNode.Shards.Any(s => !inHandoff.Contains(s));
            return budget <= 0 || !movableOnMax || moves.Count > 0;
        });
        property.QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Rebalance_never_widens_the_spread_and_lowers_the_sum_of_squares()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var (nodes, inHandoff, strategy) = Scenario(seed);
            var moves = strategy.Rebalance(nodes, inHandoff);
            var before = nodes.Select(n => n.Shards.Count).ToArray();
            var after = Apply(nodes, moves).Values.ToArray();
            static long Squares(IEnumerable<int> xs) => xs.Sum(x => (long)x * x);
            return after.Max() <= before.Max() && after.Min() >= before.Min()
                && (moves.Count == 0 || Squares(after) <= Squares(before) - (2L * moves.Count));
        });
        property.QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Repeated_rounds_converge_below_the_thresholds()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var (initial, _, strategy) = Scenario(seed);
            var nodes = initial.Select(n => new NodeLoad(n.Node, n.Shards.ToList())).ToList();
            var total = nodes.Sum(n => n.Shards.Count);
            for (var round = 0; round <= total; round++)
            {
                var moves = strategy.Rebalance(nodes, new HashSet<int>());
                if (moves.Count == 0)
                {
                    return !strategy.IsUnbalanced(nodes) && nodes.Sum(n => n.Shards.Count) == total;
                }

                foreach (var m in moves)
                {
                    ((List<int>)nodes.Single(n => n.Node == m.From).Shards).Remove(m.Shard);
                    ((List<int>)nodes.Single(n => n.Node == m.To).Shards).Add(m.Shard);
                }
            }

            return false;
        });
        property.QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_new_empty_node_receives_shards_up_to_the_cap()
    {
        var strategy = new ShardAllocationStrategy(absoluteThreshold: 2, relativeThreshold: 0.1, maxSimultaneousMoves: 5);
        NodeLoad[] nodes =
        [
            new("a", [.. Enumerable.Range(0, 30)]),
            new("b", [.. Enumerable.Range(30, 30)]),
            new("c", [.. Enumerable.Range(60, 30)]),
            new("d", []),
        ];
        var moves = strategy.Rebalance(nodes, new HashSet<int>());
        Assert.Equal(5, moves.Count);
        Assert.All(moves, m => Assert.Equal("d", m.To));
        Assert.Empty(strategy.Rebalance(nodes, new HashSet<int>([1, 2, 3, 4, 5])));
    }

    [Fact]
    public void The_relative_threshold_keeps_big_nodes_from_churning()
    {
        // 100 vs 103 shards: over the absolute threshold (2) but under 10% of the mean.
        var strategy = new ShardAllocationStrategy(2, 0.1, 10);
        NodeLoad[] nodes = [new("a", [.. Enumerable.Range(0, 100)]), new("b", [.. Enumerable.Range(100, 103)])];
        Assert.False(strategy.IsUnbalanced(nodes));
        Assert.Empty(strategy.Rebalance(nodes, new HashSet<int>()));
        Assert.True(new ShardAllocationStrategy(2, 0.0, 10).IsUnbalanced(nodes));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ShardAllocationStrategy.Allocate([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardAllocationStrategy(1, 0.1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardAllocationStrategy(2, -0.1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardAllocationStrategy(2, 0.1, 0));
    }
}
