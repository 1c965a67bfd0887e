using ActorRec.Server.Admin;

namespace ActorRec.Server.Tests.Admin;

/// <summary>
/// A shard runtime with two types of four shards over nodes a and b; records what it was asked. Drain completes
/// when <see cref="DrainGate"/> does (so a test can hold it), unknown nodes throw like the real runtime.
/// </summary>
internal sealed class FakeShardAdmin : IShardAdmin
{
    private static readonly string[] Nodes = ["a", "b"];

    public IReadOnlyList<string> TypeNames { get; } = ["user", "video"];

    public int ShardCount => 4;

    public List<string> Calls { get; } = [];

    public TaskCompletionSource DrainStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource DrainGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IReadOnlyList<ShardView>> GetShardsAsync(string typeName, CancellationToken cancellationToken)
    {
        Calls.Add("list " + typeName);
        var rows = new ShardView[ShardCount];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new ShardView(i, Nodes[i % 2], 10 * i + (typeName == "video" ? 1 : 0), typeName, 3, "allocated");
        }

        return Task.FromResult<IReadOnlyList<ShardView>>(rows);
    }

    public Task<ShardLocationView> LocateAsync(string typeName, string entityId, CancellationToken cancellationToken)
    {
        Calls.Add($"locate {typeName} {entityId}");
        return Task.FromResult(new ShardLocationView(typeName, entityId, 2, "a", 7));
    }

    public Task<IReadOnlyList<ShardMoveView>> RebalanceAsync(string typeName, CancellationToken cancellationToken)
    {
        Calls.Add("rebalance " + typeName);
        IReadOnlyList<ShardMoveView> moves = typeName == "user" ? [new ShardMoveView("user", 3, "a", "b")] : [];
        return Task.FromResult(moves);
    }

    public Task<ShardMoveView> MoveAsync(string typeName, int shard, string node, CancellationToken cancellationToken)
    {
        Calls.Add($"move {typeName} {shard} {node}");
        return Array.IndexOf(Nodes, node) < 0
            ? Task.FromException<ShardMoveView>(new ArgumentException($"unknown node '{node}'", nameof(node)))
            : Task.FromResult(new ShardMoveView(typeName, shard, node == "a" ? "b" : "a", node));
    }

    public async Task DrainAsync(string node, CancellationToken cancellationToken)
    {
        Calls.Add("drain " + node);
        if (Array.IndexOf(Nodes, node) < 0)
        {
            throw new ArgumentException($"unknown node '{node}'", nameof(node));
        }

        DrainStarted.TrySetResult();
        await DrainGate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> RequestLeaveAsync(string node, CancellationToken cancellationToken)
    {
        Calls.Add("leave " + node);
        return Task.FromResult(true);
    }
}
