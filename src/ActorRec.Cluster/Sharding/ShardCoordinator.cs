using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Cluster.Sharding;

/// <summary>Outcome of a coordinator decision: the store's answer and the rows as written (empty unless applied).</summary>
public sealed record CoordinatorResult(ShardWriteOutcome Outcome, IReadOnlyList<ShardRecord> Changed)
{
    internal static CoordinatorResult Nothing { get; } = new(ShardWriteOutcome.Applied, []);
}

/// <summary>
/// The shard coordinator's state machine for one entity type. It runs inside the coordinator singleton (one per
/// cluster, guarded by a lease whose fencing token it writes with) and decides where shards live:
/// <list type="bullet">
/// <item>unallocated → <b>allocate</b> to the up node with fewest shards (epoch 1);</item>
/// <item>Allocated → <b>begin handoff</b> (rebalance, drain, operator move) → HandingOff(to);</item>
/// <item>HandingOff → <b>complete handoff</b> when the old owner released it → Allocated(to, epoch + 1);</item>
/// <item>owner down → <b>re-home</b> straight to a live node (its handoff target if it had one), epoch + 1.</item>
/// </list>
/// <para>
/// Every decision is written to the <see cref="IShardAllocationStore"/> before anyone hears of it, so a new
/// coordinator incarnation continues from exactly what was promised. A write that loses a race (Conflict) re-reads
/// the table and reports Conflict so the caller decides again from fresh state; a write refused because a newer
/// coordinator exists (Fenced) turns this instance off for good. Calls are serialized internally.
/// </para>
/// <para>
/// Loads count a shard in handoff at its target (where it is about to live), so allocation and rebalancing do not
/// pile onto a node that is already receiving shards. Shards of nodes that are not up (down, leaving) are not part
/// of any load: they are moved by <see cref="NodeDownAsync"/> or <see cref="DrainAsync"/>.
/// </para>
/// </summary>
public sealed class ShardCoordinator
{
    private readonly IShardAllocationStore _store;
    private readonly ShardingSettings _settings;
    private readonly ShardAllocationStrategy _strategy;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SortedDictionary<int, ShardRecord> _shards = [];

    public ShardCoordinator(string typeName, IShardAllocationStore store, ShardingSettings settings, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        TypeName = typeName;
        _store = store;
        _settings = settings;
        _strategy = ShardAllocationStrategy.From(settings);
        _logger = logger ?? NullLogger.Instance;
    }

    public string TypeName { get; }

    /// <summary>The fencing token this coordinator writes with (0 before <see cref="StartAsync"/>).</summary>
    public long Token { get; private set; }

    /// <summary>True once a newer coordinator has fenced this one; every later decision throws.</summary>
    public bool IsFenced { get; private set; }

    /// <summary>The allocation as last read or written, by shard.</summary>
    public IReadOnlyDictionary<int, ShardRecord> Shards => _shards;

    /// <summary>Shards currently in handoff.</summary>
    public int InHandoff => _shards.Values.Count(r => r.Status == ShardStatus.HandingOff);

    /// <summary>Claims the table with <paramref name="token"/> (the singleton's lease token) and loads it.</summary>
    /// <exception cref="ShardCountMismatchException">The table was built for another number of shards.</exception>
    public async Task<ShardWriteOutcome> StartAsync(long token, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(token, 1);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Token = token;
            if (await _store.ClaimAsync(TypeName, token, _settings.NumberOfShards, cancellationToken).ConfigureAwait(false) == ShardWriteOutcome.Fenced)
            {
                Fence();
                return ShardWriteOutcome.Fenced;
            }

            await ReloadAsync(cancellationToken).ConfigureAwait(false);
            ShardingLog.CoordinatorStarted(_logger, TypeName, token, _shards.Count);
            return ShardWriteOutcome.Applied;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The home of <paramref name="shard"/>, allocating it to the least loaded up node when it has none.</summary>
    public Task<CoordinatorResult> LocateAsync(int shard, IReadOnlyCollection<string> upNodes, CancellationToken cancellationToken = default)
    {
        CheckShard(shard);
        ArgumentNullException.ThrowIfNull(upNodes);
        return DecideAsync("allocate", () =>
        {
            if (_shards.TryGetValue(shard, out var existing))
            {
                return ([], [existing]);
            }

            var node = ShardAllocationStrategy.Allocate(Loads(upNodes));
            return ([ShardChange.Insert(ShardRecord.New(shard, node))], []);
        }, written => ShardingLog.ShardAllocated(_logger, TypeName, written.Shard, written.Owner, written.Epoch), cancellationToken);
    }

    /// <summary>
    /// Allocates every shard of <paramref name="shards"/> that has no home yet, in one write: one at a time in
    /// ascending shard order, each to the up node with the fewest shards counting the ones placed before it in this
    /// batch (so the batch ends exactly where as many single allocations would). Shards already allocated and
    /// repeated ids are skipped. Returns the rows written (empty when nothing was unallocated).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A shard is out of range.</exception>
    public Task<CoordinatorResult> AllocateAsync(IReadOnlyCollection<int> shards, IReadOnlyCollection<string> upNodes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(upNodes);
        foreach (var shard in shards)
        {
            CheckShard(shard);
        }

        return DecideAsync("allocate", () =>
        {
            var wanted = new SortedSet<int>();
            foreach (var shard in shards)
            {
                if (!_shards.ContainsKey(shard))
                {
                    wanted.Add(shard);
                }
            }

            if (wanted.Count == 0)
            {
                return ([], []);
            }

            var loads = Loads(upNodes);
            var changes = new List<ShardChange>(wanted.Count);
            foreach (var shard in wanted)
            {
                var node = ShardAllocationStrategy.Allocate(loads);
                AddTo(loads, node, shard);
                changes.Add(ShardChange.Insert(ShardRecord.New(shard, node)));
            }

            return (changes, []);
        }, written => ShardingLog.ShardAllocated(_logger, TypeName, written.Shard, written.Owner, written.Epoch), cancellationToken);
    }

    /// <summary>Operator move: hands <paramref name="shard"/> to <paramref name="toNode"/> (must be up).</summary>
    /// <exception cref="ArgumentException">The shard is unallocated, already moving or already there, or the node is not up.</exception>
    public Task<CoordinatorResult> MoveAsync(int shard, string toNode, IReadOnlyCollection<string> upNodes, CancellationToken cancellationToken = default)
    {
        CheckShard(shard);
        ArgumentException.ThrowIfNullOrEmpty(toNode);
        ArgumentNullException.ThrowIfNull(upNodes);
        return DecideAsync("move", () =>
        {
            if (!upNodes.Contains(toNode))
            {
                throw new ArgumentException($"Node '{toNode}' is not an up member; shard {shard} cannot move there.", nameof(toNode));
            }

            var record = _shards.TryGetValue(shard, out var r) ? r : throw new ArgumentException($"Shard {shard} of {TypeName} is not allocated yet.", nameof(shard));
            if (record.Status == ShardStatus.HandingOff)
            {
                throw new ArgumentException($"Shard {shard} of {TypeName} is already moving to {record.HandoffTo}.", nameof(shard));
            }

            if (record.Owner == toNode)
            {
                throw new ArgumentException($"Shard {shard} of {TypeName} already lives on {toNode}.", nameof(toNode));
            }

            return ([Begin(record, toNode)], []);
        }, written => LogBegun(written, "move"), cancellationToken);
    }

    /// <summary>Rebalance round: begins the handoffs the strategy picks (within the cap on simultaneous moves).</summary>
    public Task<CoordinatorResult> RebalanceAsync(IReadOnlyCollection<string> upNodes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upNodes);
        return DecideAsync("rebalance", () =>
        {
            var inHandoff = new HashSet<int>();
            foreach (var r in _shards.Values)
            {
                if (r.Status == ShardStatus.HandingOff)
                {
                    inHandoff.Add(r.Shard);
                }
            }

            var moves = _strategy.Rebalance(Loads(upNodes), inHandoff);
            return ([.. moves.Select(m => Begin(_shards[m.Shard], m.To))], []);
        }, written => LogBegun(written, "rebalance"), cancellationToken);
    }

    /// <summary>
    /// Drain step for <paramref name="node"/> (leaving): begins handoff of its shards to the least loaded up nodes,
    /// as many as the cap on simultaneous moves allows; call again (each rebalance tick) until
    /// <see cref="OwnedBy"/> is zero. <paramref name="upNodes"/> must not contain the leaving node.
    /// </summary>
    public Task<CoordinatorResult> DrainAsync(string node, IReadOnlyCollection<string> upNodes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        ArgumentNullException.ThrowIfNull(upNodes);
        if (upNodes.Contains(node))
        {
            throw new ArgumentException($"The draining node '{node}' must not be among the nodes that receive its shards.", nameof(upNodes));
        }

        return DecideAsync("drain", () =>
        {
            var budget = _settings.MaxSimultaneousMoves - InHandoff;
            var loads = Loads(upNodes);
            var changes = new List<ShardChange>();
            foreach (var r in _shards.Values)
            {
                if (changes.Count >= budget || loads.Count == 0)
                {
                    break;
                }

                if (r.Owner == node && r.Status == ShardStatus.Allocated)
                {
                    var to = ShardAllocationStrategy.Allocate(loads);
                    AddTo(loads, to, r.Shard);
                    changes.Add(Begin(r, to));
                }
            }

            return (changes, []);
        }, written => LogBegun(written, "drain"), cancellationToken);
    }

    /// <summary>
    /// The old owner released <paramref name="shard"/> at <paramref name="epoch"/>: it becomes its target's (or, if the
    /// target is no longer up, the least loaded up node's) with the next epoch. A release of another epoch or of a
    /// shard not in handoff is stale and changes nothing.
    /// </summary>
    public Task<CoordinatorResult> CompleteHandoffAsync(int shard, long epoch, IReadOnlyCollection<string> upNodes, CancellationToken cancellationToken = default)
    {
        CheckShard(shard);
        ArgumentNullException.ThrowIfNull(upNodes);
        string from = "";
        return DecideAsync("complete-handoff", () =>
        {
            if (!_shards.TryGetValue(shard, out var r) || r.Status != ShardStatus.HandingOff || r.Epoch != epoch)
            {
                return ([], []);
            }

            from = r.Owner;
            var to = r.HandoffTo is { } target && upNodes.Contains(target) ? target : ShardAllocationStrategy.Allocate(Loads(upNodes));
            return ([ShardChange.Update(r, r.OwnedBy(to))], []);
        }, written => ShardingLog.HandoffCompleted(_logger, TypeName, written.Shard, from, written.Owner, written.Epoch), cancellationToken);
    }

    /// <summary>
    /// <paramref name="node"/> is down: each of its shards moves at once, without handoff, to its handoff target when
    /// that is up, else to the least loaded up node, with the next epoch (which fences any late write of the old
    /// owner). One write for all of them.
    /// </summary>
    public Task<CoordinatorResult> NodeDownAsync(string node, IReadOnlyCollection<string> upNodes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        ArgumentNullException.ThrowIfNull(upNodes);
        return DecideAsync("re-home", () =>
        {
            var loads = Loads(upNodes);
            var changes = new List<ShardChange>();
            foreach (var r in _shards.Values)
            {
                if (r.Owner != node || loads.Count == 0)
                {
                    continue;
                }

                var to = r.HandoffTo is { } target && upNodes.Contains(target) ? target : ShardAllocationStrategy.Allocate(loads);
                if (r.HandoffTo != to)
                {
                    AddTo(loads, to, r.Shard);
                }

                changes.Add(ShardChange.Update(r, r.OwnedBy(to)));
            }

            return (changes, []);
        }, written => ShardingLog.ShardRehomed(_logger, TypeName, written.Shard, node, written.Owner, written.Epoch), cancellationToken);
    }

    /// <summary>How many shards <paramref name="node"/> owns (allocated or handing off).</summary>
    public int OwnedBy(string node) => _shards.Values.Count(r => r.Owner == node);

    /// <summary>Re-reads the table (after a conflict, or to see another writer's changes).</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = await _store.ReadAsync(TypeName, cancellationToken).ConfigureAwait(false);
        _shards = new SortedDictionary<int, ShardRecord>(snapshot.Shards.ToDictionary(r => r.Shard));
    }

    private async Task<CoordinatorResult> DecideAsync(
        string operation,
        Func<(IReadOnlyList<ShardChange> Changes, IReadOnlyList<ShardRecord> Unchanged)> decide,
        Action<ShardRecord> log,
        CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsFenced || Token == 0)
            {
                throw new InvalidOperationException(IsFenced
                    ? $"The shard coordinator of {TypeName} (token {Token}) was fenced by a newer coordinator."
                    : $"The shard coordinator of {TypeName} has not started.");
            }

            var (changes, unchanged) = decide();
            if (changes.Count == 0)
            {
                return unchanged.Count == 0 ? CoordinatorResult.Nothing : new CoordinatorResult(ShardWriteOutcome.Applied, unchanged);
            }

            var outcome = await _store.TryWriteAsync(TypeName, Token, changes, cancellationToken).ConfigureAwait(false);
            switch (outcome)
            {
                case ShardWriteOutcome.Fenced:
                    Fence();
                    return new CoordinatorResult(outcome, []);
                case ShardWriteOutcome.Conflict:
                    ShardingLog.WriteConflict(_logger, TypeName, operation);
                    await ReloadAsync(cancellationToken).ConfigureAwait(false);
                    return new CoordinatorResult(outcome, []);
            }

            var written = new ShardRecord[changes.Count];
            for (var i = 0; i < changes.Count; i++)
            {
                written[i] = changes[i].Written;
                _shards[written[i].Shard] = written[i];
                log(written[i]);
            }

            return new CoordinatorResult(ShardWriteOutcome.Applied, written);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static ShardChange Begin(ShardRecord r, string to) =>
        ShardChange.Update(r, r with { Status = ShardStatus.HandingOff, HandoffTo = to });

    private void LogBegun(ShardRecord written, string reason) =>
        ShardingLog.HandoffBegun(_logger, TypeName, written.Shard, written.Owner, written.HandoffTo ?? "", written.Epoch, reason);

    private void Fence()
    {
        IsFenced = true;
        ShardingLog.CoordinatorFenced(_logger, TypeName, Token);
    }

    private void CheckShard(int shard) =>
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)shard, (uint)_settings.NumberOfShards, nameof(shard));

    /// <summary>Loads of the up nodes; a shard in handoff counts at its target when that is up.</summary>
    private List<NodeLoad> Loads(IReadOnlyCollection<string> upNodes)
    {
        var byNode = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var node in upNodes)
        {
            byNode[node] = [];
        }

        foreach (var r in _shards.Values)
        {
            var home = r.Status == ShardStatus.HandingOff && r.HandoffTo is { } to ? to : r.Owner;
            if (byNode.TryGetValue(home, out var list))
            {
                list.Add(r.Shard);
            }
        }

        return [.. byNode.Select(kv => new NodeLoad(kv.Key, kv.Value))];
    }

    private static void AddTo(List<NodeLoad> loads, string node, int shard)
    {
        foreach (var load in loads)
        {
            if (load.Node == node)
            {
                ((List<int>)load.Shards).Add(shard);
                return;
            }
        }
    }
}
