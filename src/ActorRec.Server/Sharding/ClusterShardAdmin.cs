using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Sharding;
using ActorRec.Server.Admin;

namespace ActorRec.Server.Sharding;

/// <summary>The shard admin API over the node's <see cref="ClusterSharding"/> (queries reach the coordinator wherever it runs).</summary>
public sealed class ClusterShardAdmin(ClusterSharding sharding, ClusterHost host) : IShardAdmin
{
    public IReadOnlyList<string> TypeNames
    {
        get
        {
            var names = new List<string>(sharding.TypeNames);
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    public int ShardCount => sharding.Settings.NumberOfShards;

    public async Task<IReadOnlyList<ShardView>> GetShardsAsync(string typeName, CancellationToken cancellationToken)
    {
        var map = await sharding.GetShardMapAsync(typeName, cancellationToken).ConfigureAwait(false);
        var rows = new ShardView[map.Shards.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var s = map.Shards[i];
            rows[i] = new ShardView(s.Shard, s.Node, s.Entities, map.TypeName, s.Epoch, s.Status);
        }

        return rows;
    }

    public async Task<ShardLocationView> LocateAsync(string typeName, string entityId, CancellationToken cancellationToken)
    {
        var l = await sharding.LocateAsync(typeName, entityId, cancellationToken).ConfigureAwait(false);
        return new ShardLocationView(l.TypeName, l.EntityId, l.Shard, l.Node, l.Epoch);
    }

    public async Task<IReadOnlyList<ShardMoveView>> RebalanceAsync(string typeName, CancellationToken cancellationToken)
    {
        var moves = await sharding.RebalanceAsync(typeName, cancellationToken).ConfigureAwait(false);
        var views = new ShardMoveView[moves.Count];
        for (var i = 0; i < views.Length; i++)
        {
            views[i] = View(moves[i]);
        }

        return views;
    }

    public async Task<ShardMoveView> MoveAsync(string typeName, int shard, string node, CancellationToken cancellationToken) =>
        View(await sharding.MoveAsync(typeName, shard, node, cancellationToken).ConfigureAwait(false));

    public Task DrainAsync(string node, CancellationToken cancellationToken) => sharding.DrainAsync(node, cancellationToken);

    public async Task<bool> RequestLeaveAsync(string node, CancellationToken cancellationToken) =>
        await host.RequestLeaveAsync(node, cancellationToken).ConfigureAwait(false) == LeaveRequestOutcome.Started;

    private static ShardMoveView View(ShardMove m) => new(m.TypeName, m.Shard, m.From, m.To);
}
