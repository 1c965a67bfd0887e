using System.Diagnostics;

namespace ActorRec.Cluster.Sharding;

/// <summary>The shards one node holds now (input of the allocation strategy).</summary>
[DebuggerDisplay("{Node}: {Shards.Count} shards")]
public sealed record NodeLoad(string Node, IReadOnlyList<int> Shards);

/// <summary>A decision to hand shard <see cref="Shard"/> from one node to another.</summary>
public readonly record struct PlannedMove(int Shard, string From, string To);

/// <summary>
/// Where new shards go and which shards move (pure; the coordinator persists what it decides).
/// <para>
/// <b>Allocation</b>: a new shard goes to the up node holding the fewest shards; ties go to the ordinally smallest
/// node name, so every coordinator incarnation decides the same from the same table.
/// </para>
/// <para>
/// <b>Rebalance</b>: let d = (most shards on a node) − (fewest). Nothing moves unless d ≥ the absolute threshold
/// <i>and</i> d ≥ relative threshold × mean shards per node; a difference of 1 is never acted on, since moving
/// a shard cannot improve it. When triggered, shards move one at a time from the currently most loaded node to the
/// currently least loaded one (ties by name, highest shard id first so the choice is deterministic) until d ≤ 1 or
/// the budget is spent. The budget is <c>max-simultaneous-moves</c> minus the handoffs already in progress, and
/// shards already in handoff are never chosen again. Each move lowers the sum of squared loads by at least 2, so
/// repeated rounds converge, and a round never raises the maximum or lowers the minimum.
/// </para>
/// </summary>
public sealed class ShardAllocationStrategy
{
    public ShardAllocationStrategy(int absoluteThreshold, double relativeThreshold, int maxSimultaneousMoves)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(absoluteThreshold, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(relativeThreshold);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSimultaneousMoves, 1);
        AbsoluteThreshold = absoluteThreshold;
        RelativeThreshold = relativeThreshold;
        MaxSimultaneousMoves = maxSimultaneousMoves;
    }

    public int AbsoluteThreshold { get; }

    public double RelativeThreshold { get; }

    public int MaxSimultaneousMoves { get; }

    public static ShardAllocationStrategy From(ShardingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new ShardAllocationStrategy(settings.RebalanceAbsoluteThreshold, settings.RebalanceRelativeThreshold, settings.MaxSimultaneousMoves);
    }

    /// <summary>The node that gets a new shard: fewest shards, ties by ordinal name.</summary>
    /// <exception cref="ArgumentException">No node is given.</exception>
    public static string Allocate(IReadOnlyList<NodeLoad> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count == 0)
        {
            throw new ArgumentException("No up node to allocate a shard to.", nameof(nodes));
        }

        var best = nodes[0];
        for (var i = 1; i < nodes.Count; i++)
        {
            if (Less(nodes[i].Shards.Count, nodes[i].Node, best.Shards.Count, best.Node))
            {
                best = nodes[i];
            }
        }

        return best.Node;
    }

    /// <summary>True when the spread of <paramref name="nodes"/> is wide enough to move shards.</summary>
    public bool IsUnbalanced(IReadOnlyList<NodeLoad> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count < 2)
        {
            return false;
        }

        int min = int.MaxValue, max = 0, total = 0;
        foreach (var n in nodes)
        {
            min = Math.Min(min, n.Shards.Count);
            max = Math.Max(max, n.Shards.Count);
            total += n.Shards.Count;
        }

        var difference = max - min;
        var mean = (double)total / nodes.Count;
        return difference >= AbsoluteThreshold && difference >= RelativeThreshold * mean;
    }

    /// <summary>
    /// The shards to move now. <paramref name="nodes"/> are the up nodes eligible to hold shards (each shard on at
    /// most one); <paramref name="inHandoff"/> are shards already moving (they count against the cap and are not
    /// chosen).
    /// </summary>
    public IReadOnlyList<PlannedMove> Rebalance(IReadOnlyList<NodeLoad> nodes, IReadOnlySet<int> inHandoff)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(inHandoff);
        var budget = MaxSimultaneousMoves - inHandoff.Count;
        if (budget <= 0 || !IsUnbalanced(nodes))
        {
            return [];
        }

        // Working copy: movable shards per node in ascending order (popping from the end takes the highest id) and
        // counts that include the shards in handoff.
        var counts = new int[nodes.Count];
        var movable = new List<int>[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            counts[i] = nodes[i].Shards.Count;
            movable[i] = [.. nodes[i].Shards.Where(s => !inHandoff.Contains(s)).Order()];
        }

        var moves = new List<PlannedMove>();
        while (moves.Count < budget)
        {
            var from = -1;
            var to = -1;
            for (var i = 0; i < nodes.Count; i++)
            {
                if (movable[i].Count > 0 && (from < 0 || Less(counts[from], nodes[from].Node, counts[i], nodes[i].Node)))
                {
                    from = i;
                }

                if (to < 0 || Less(counts[i], nodes[i].Node, counts[to], nodes[to].Node))
                {
                    to = i;
                }
            }

            if (from < 0 || counts[from] - counts[to] <= 1)
            {
                break;
            }

            var shard = movable[from][^1];
            movable[from].RemoveAt(movable[from].Count - 1);
            counts[from]--;
            counts[to]++;
            moves.Add(new PlannedMove(shard, nodes[from].Node, nodes[to].Node));
        }

        return moves;
    }

    private static bool Less(int countA, string nodeA, int countB, string nodeB) =>
        countA < countB || (countA == countB && string.CompareOrdinal(nodeA, nodeB) < 0);
}
