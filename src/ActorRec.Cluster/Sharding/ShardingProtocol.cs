namespace ActorRec.Cluster.Sharding;

// The sharding protocol's messages between nodes (serializers in ShardingSerializers.cs). Regions live at
// /system/sharding-TYPE on every node, the coordinator endpoint at /system/sharding-coordinator.

/// <summary>A message for an entity, to a region (from the local facade, or forwarded by another region; the
/// original sender travels as the envelope's sender).</summary>
internal sealed record RegionEnvelope(string EntityId, object Message);

/// <summary>Coordinator → regions: where a shard lives (<see cref="ShardHome"/> on the wire).</summary>
internal sealed record ShardHomeMessage(string TypeName, int Shard, string Owner, long Epoch, bool HandingOff, string? HandoverFrom)
{
    public ShardHome ToHome() => new(Shard, Owner, Epoch, HandingOff, HandoverFrom);
}

/// <summary>Coordinator → regions: the handoff of a shard from <paramref name="Owner"/> has begun.</summary>
internal sealed record BeginHandoffMessage(string TypeName, int Shard, string Owner, long Epoch, IReadOnlyList<string> Regions);

/// <summary>Region → old owner's region: nothing more comes from <paramref name="FromNode"/> for the shard.</summary>
internal sealed record ShardBarrierMessage(int Shard, long Epoch, string FromNode);

/// <summary>Old owner's region → new owner's region: the messages it buffered during the handoff, in order.</summary>
internal sealed record ShardHandoverMessage(int Shard, long Epoch, IReadOnlyList<RoutedMessage> Messages);

/// <summary>Region → coordinator: where does the shard live? Answered with <see cref="ShardHomeMessage"/> (or a
/// <see cref="BeginHandoffMessage"/> while it moves).</summary>
internal sealed record GetShardHomeMessage(string TypeName, int Shard, string FromNode);

/// <summary>Old owner's region → coordinator: the shard is released at <paramref name="Epoch"/>.</summary>
internal sealed record ShardReleasedMessage(string TypeName, int Shard, long Epoch, string FromNode);

/// <summary>Operator → coordinator. Ops: map, locate, rebalance, move, drain (answered once the node owns nothing).</summary>
internal sealed record CoordinatorCommand(string Op, string TypeName, int Shard, string Node);

/// <summary>Coordinator → operator.</summary>
internal sealed record CoordinatorReply(IReadOnlyList<ShardRecord> Shards, IReadOnlyList<ShardMove> Moves);

/// <summary>Any node → region: how many entities run here per shard? Answered with <see cref="ShardCounts"/>.</summary>
internal sealed class GetShardCounts
{
    private GetShardCounts()
    {
    }

    public static GetShardCounts Instance { get; } = new();
}

/// <summary>Any caller → region: a <see cref="RegionDiagnostics"/> of this node (<paramref name="EntityId"/>: also that entity).</summary>
internal sealed record DescribeRegion(string? EntityId);

/// <summary>Entity counts of the shards served on <paramref name="Node"/> (shards with none are left out).</summary>
internal sealed record ShardCounts(string Node, IReadOnlyList<int> Shards, IReadOnlyList<int> Counts);

/// <summary>Names and paths shared by the protocol's ends.</summary>
internal static class ShardingPaths
{
    public const string CoordinatorName = "sharding-coordinator";
    public const string CoordinatorElements = "/system/" + CoordinatorName;

    /// <summary>The name of the coordinator singleton (its lease is <c>singleton/shard-coordinator</c>).</summary>
    public const string SingletonName = "shard-coordinator";

    public static string RegionName(string typeName) => "sharding-" + Uri.EscapeDataString(typeName);

    public static string RegionElements(string typeName) => "/system/" + RegionName(typeName);

    public static string FenceKey(string typeName, int shard) => "shard/" + typeName + "/" + shard.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The entity host's protocol with its region (local only).</summary>
internal static class EntityHostProtocol
{
    /// <summary>This node serves <paramref name="Shard"/> from <paramref name="Epoch"/> on: raise the journal fence first.</summary>
    public sealed record PrepareShard(int Shard, long Epoch);

    /// <summary>Deliver to an entity of the shard (sender kept).</summary>
    public sealed record Deliver(int Shard, long Epoch, string EntityId, object Message);

    /// <summary>Passivate every entity of the shard; answer <see cref="ShardStopped"/> when <paramref name="Reply"/>.</summary>
    public sealed record StopShard(int Shard, bool Reply);

    /// <summary>This node was declared down: stop every entity (their writes would be fenced anyway).</summary>
    public sealed class StopAll
    {
        private StopAll()
        {
        }

        public static StopAll Instance { get; } = new();
    }

    /// <summary>Every entity of the shard has stopped.</summary>
    public sealed record ShardStopped(int Shard, int StillRunning);

    /// <summary>Live entities per shard.</summary>
    public sealed class GetCounts
    {
        private GetCounts()
        {
        }

        public static GetCounts Instance { get; } = new();
    }

    public sealed record Counts(IReadOnlyDictionary<int, int> ByShard);

    /// <summary>Answered with <see cref="HostDiagnostics"/> (<paramref name="EntityId"/>: also that entity, of shard <paramref name="EntityShard"/>).</summary>
    public sealed record DescribeHost(string? EntityId, int EntityShard);

    /// <summary>Region → host, once per retry tick: answered with <see cref="HostPong"/> (the region notices a host that stops answering).</summary>
    public sealed class HostPing
    {
        private HostPing()
        {
        }

        public static HostPing Instance { get; } = new();
    }

    public sealed class HostPong
    {
        private HostPong()
        {
        }

        public static HostPong Instance { get; } = new();
    }

    /// <summary>Host → region, on its periodic tick: a message has waited in the host for <paramref name="Oldest"/>.</summary>
    public sealed record HostStalled(TimeSpan Oldest);
}
