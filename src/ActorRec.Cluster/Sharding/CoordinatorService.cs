using System.Threading.Channels;
using ActorRec.Actors;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Singleton;
using Microsoft.Extensions.Logging;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// The shard coordinator singleton's runtime on one node. Every node runs the endpoint actor
/// (<c>/system/sharding-coordinator</c>); it decides only while this node holds the singleton's lease
/// (<see cref="ActivateAsync"/> with the lease's fencing token, which every <see cref="ShardCoordinator"/> writes with).
/// <para>
/// <b>One decision at a time, announced in order.</b> Requests, membership changes and ticks go through one queue
/// and are handled one after another: a decision is persisted by its <see cref="ShardCoordinator"/>, then broadcast to
/// every live node's region over the coordinator node's links, so regions hear a shard's changes in the order they were
/// made (begin handoff before the new home). Broadcast: HandingOff rows as <see cref="BeginHandoffMessage"/> (with the
/// regions whose barrier the owner waits for: members Up or Leaving), Allocated rows as <see cref="ShardHomeMessage"/>,
/// naming the previous owner as handover source after a completed handoff.
/// </para>
/// <para>
/// <b>What triggers decisions.</b> A region's home request (allocate when unallocated), a release (complete the
/// handoff), an operator command (move, rebalance, drain), a membership change (owners no longer live are re-homed at
/// the next epoch in one write; Leaving members are drained), and the rebalance tick (drain steps, a rebalance round,
/// and the begin-handoff of every shard still in handoff is sent again, so a lost release or barrier is redone: the
/// region side is idempotent). On activation, every row is broadcast so that regions learn the new endpoint.
/// Home requests queued one behind another are handled as one round: every unallocated shard they name is allocated
/// in one write (fewest shards first, shard by shard), so a cold start costs a few writes, not one per shard.
/// A <see cref="ShardWriteOutcome.Fenced"/> answer (a newer coordinator wrote) deactivates this one for good.
/// </para>
/// </summary>
internal sealed class CoordinatorService : IAsyncDisposable
{
    /// <summary>Bounds one allocation round (and so one write) when requests keep arriving.</summary>
    private const int MaxHomeRequestsPerRound = 4096;

    private readonly ClusterSharding _sharding;
    private readonly IShardAllocationStore _store;
    private readonly ShardingSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, ShardCoordinator> _types = new(StringComparer.Ordinal);
    private readonly HashSet<string> _draining = new(StringComparer.Ordinal);
    private readonly List<(string Node, IActorRef ReplyTo)> _drainWaiters = [];
    private readonly Dictionary<string, long> _incarnations = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private MembershipSnapshot _membership = MembershipSnapshot.Empty;
    private ITimer? _timer;
    private bool _initialized;
    private long _token;

    public CoordinatorService(ClusterSharding sharding, IShardAllocationStore store, ShardingSettings settings, ILogger logger, TimeProvider time)
    {
        _sharding = sharding;
        _store = store;
        _settings = settings;
        _logger = logger;
        _time = time;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The endpoint actor (sender of every broadcast, so regions learn where the coordinator is).</summary>
    public IActorRef? Endpoint { get; set; }

    public bool IsActive => Volatile.Read(ref _token) != 0;

    public void Post(object message, IActorRef? sender) => _queue.Writer.TryWrite(new Work(message, sender, null));

    public void OnMembership(MembershipSnapshot snapshot) => Post(new MembershipWork(snapshot), null);

    public Task ActivateAsync(long token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Writer.TryWrite(new Work(new Activate(token), null, done));
        return done.Task;
    }

    public Task DeactivateAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Writer.TryWrite(new Work(Deactivate.Instance, null, done));
        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _timer?.Dispose();
    }

    private async Task RunAsync()
    {
        var homes = new List<Work>();
        await foreach (var work in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (work.Message is GetShardHomeMessage)
                {
                    homes.Clear();
                    homes.Add(work);
                    TakeQueuedHomeRequests(homes);
                    await HandleHomesAsync(homes).ConfigureAwait(false);
                    continue;
                }

                await HandleAsync(work).ConfigureAwait(false);
                work.Done?.TrySetResult();
            }
            catch (Exception error)
            {
                work.Done?.TrySetException(error);
                if (work.Done is null)
                {
                    ShardingLog.CoordinatorFailed(_logger, error, work.Message.GetType().Name, "");
                    if (work.Sender is { } sender && work.Message is CoordinatorCommand)
                    {
                        sender.Tell(new Status.Failure(error), Endpoint);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Moves the home requests queued right behind the one being handled into <paramref name="homes"/> (up to the
    /// first other message, so every other message keeps its place in the order), so that the shards they ask for
    /// are allocated in one write: while one write is in flight, the requests of every region for every new shard
    /// pile up here, and the next round places them all.
    /// </summary>
    private void TakeQueuedHomeRequests(List<Work> homes)
    {
        while (homes.Count < MaxHomeRequestsPerRound && _queue.Reader.TryPeek(out var next) && next.Message is GetShardHomeMessage
               && _queue.Reader.TryRead(out var taken))
        {
            homes.Add(taken);
        }
    }

    private async Task HandleHomesAsync(List<Work> homes)
    {
        if (!IsActive)
        {
            return; // regions ask again once they hear of the next coordinator
        }

        var up = Up();
        var types = new List<string>(1);
        foreach (var work in homes)
        {
            var type = ((GetShardHomeMessage)work.Message).TypeName;
            if (!types.Contains(type))
            {
                types.Add(type);
            }
        }

        foreach (var type in types)
        {
            var coordinator = await CoordinatorAsync(type).ConfigureAwait(false);
            if (!IsActive)
            {
                return;
            }

            var missing = new List<int>();
            foreach (var work in homes)
            {
                var g = (GetShardHomeMessage)work.Message;
                if (g.TypeName != type)
                {
                    continue;
                }

                if (coordinator.Shards.TryGetValue(g.Shard, out var known))
                {
                    work.Sender?.Tell(ToHome(type, known, null), Endpoint);
                }
                else
                {
                    missing.Add(g.Shard);
                }
            }

            if (missing.Count == 0 || up.Count == 0)
            {
                continue; // nowhere to put them yet: the regions ask again
            }

            var written = await ActiveAsync(coordinator, c => c.AllocateAsync(missing, up)).ConfigureAwait(false);
            Broadcast(type, written, handoverFrom: null);
        }

        AnswerDrains();
    }

    private async Task HandleAsync(Work work)
    {
        switch (work.Message)
        {
            case Activate a:
                await ActivateCoreAsync(a.Token).ConfigureAwait(false);
                return;
            case Deactivate:
                DeactivateCore();
                return;
            case MembershipWork m:
                _membership = m.Snapshot;
                if (IsActive)
                {
                    await OnMembershipAsync().ConfigureAwait(false);
                }

                return;
        }

        if (!IsActive)
        {
            if (work.Message is CoordinatorCommand)
            {
                work.Sender?.Tell(new Status.Failure(new ShardUnavailableException(
                    $"The shard coordinator does not run on {_sharding.SelfNode} now; retry.")), Endpoint);
            }

            return;
        }

        switch (work.Message)
        {
            case ShardReleasedMessage r:
                var done = await ActiveAsync(await CoordinatorAsync(r.TypeName).ConfigureAwait(false),
                    c => c.CompleteHandoffAsync(r.Shard, r.Epoch, Up())).ConfigureAwait(false);
                Broadcast(r.TypeName, done, handoverFrom: r.FromNode);
                await DrainStepAsync().ConfigureAwait(false);
                break;
            case CoordinatorCommand c:
                await OnCommandAsync(c, work.Sender).ConfigureAwait(false);
                break;
            case Tick:
                await OnTickAsync().ConfigureAwait(false);
                break;
        }

        AnswerDrains();
    }

    private async Task ActivateCoreAsync(long token)
    {
        if (!_initialized)
        {
            await _store.InitializeAsync().ConfigureAwait(false);
            _initialized = true;
        }

        _types.Clear();
        Volatile.Write(ref _token, token);
        ShardingLog.CoordinatorActive(_logger, _sharding.SelfNode, token);
        _membership = _sharding.CurrentMembership() ?? _membership;
        foreach (var type in _sharding.TypeNames)
        {
            var coordinator = await CoordinatorAsync(type).ConfigureAwait(false);
            if (!IsActive)
            {
                return;
            }

            Broadcast(type, [.. coordinator.Shards.Values], handoverFrom: null);
        }

        await OnMembershipAsync().ConfigureAwait(false);
        _timer = _time.CreateTimer(_ => Post(Tick.Instance, null), null, _settings.RebalanceInterval, _settings.RebalanceInterval);
    }

    private void DeactivateCore()
    {
        var token = Interlocked.Exchange(ref _token, 0);
        _timer?.Dispose();
        _timer = null;
        _types.Clear();
        _drainWaiters.Clear();
        _incarnations.Clear();
        if (token != 0)
        {
            ShardingLog.CoordinatorInactive(_logger, _sharding.SelfNode, token);
        }
    }

    private async Task<ShardCoordinator> CoordinatorAsync(string type)
    {
        if (_types.TryGetValue(type, out var existing))
        {
            return existing;
        }

        var coordinator = new ShardCoordinator(type, _store, _settings, _logger);
        if (await coordinator.StartAsync(_token).ConfigureAwait(false) == ShardWriteOutcome.Fenced)
        {
            DeactivateCore();
            return coordinator;
        }

        _types[type] = coordinator;
        return coordinator;
    }

    /// <summary>Runs a decision; a fenced outcome deactivates this coordinator. Returns the rows written.</summary>
    private async Task<IReadOnlyList<ShardRecord>> ActiveAsync(ShardCoordinator coordinator, Func<ShardCoordinator, Task<CoordinatorResult>> decide)
    {
        if (!IsActive || coordinator.IsFenced)
        {
            return [];
        }

        var result = await decide(coordinator).ConfigureAwait(false);
        if (result.Outcome == ShardWriteOutcome.Fenced)
        {
            DeactivateCore();
        }

        return result.Outcome == ShardWriteOutcome.Applied ? result.Changed : [];
    }

    private async Task OnCommandAsync(CoordinatorCommand c, IActorRef? sender)
    {
        if (c.Op == "drain")
        {
            await DrainCommandAsync(c.Node, sender).ConfigureAwait(false);
            return;
        }

        var coordinator = await CoordinatorAsync(c.TypeName).ConfigureAwait(false);
        switch (c.Op)
        {
            case "map":
                sender?.Tell(new CoordinatorReply([.. coordinator.Shards.Values], []), Endpoint);
                return;
            case "rebalance":
            {
                var written = await ActiveAsync(coordinator, x => x.RebalanceAsync(Up())).ConfigureAwait(false);
                Broadcast(c.TypeName, written, handoverFrom: null);
                sender?.Tell(new CoordinatorReply([], Moves(c.TypeName, written)), Endpoint);
                return;
            }

            case "move":
            {
                var written = await ActiveAsync(coordinator, x => x.MoveAsync(c.Shard, c.Node, Up())).ConfigureAwait(false);
                Broadcast(c.TypeName, written, handoverFrom: null);
                sender?.Tell(new CoordinatorReply([], Moves(c.TypeName, written)), Endpoint);
                return;
            }

            default:
                throw new ArgumentException($"Unknown coordinator operation '{c.Op}'.", nameof(c));
        }
    }

    /// <summary>Marks <paramref name="node"/> draining (every type) and answers once it owns no shard.</summary>
    private async Task DrainCommandAsync(string node, IActorRef? sender)
    {
        if (_draining.Add(node))
        {
            var owned = 0;
            foreach (var type in _types.Values)
            {
                owned += type.OwnedBy(node);
            }

            ShardingLog.DrainRequested(_logger, node, owned);
        }

        if (sender is not null)
        {
            _drainWaiters.Add((node, sender));
        }

        await DrainStepAsync().ConfigureAwait(false);
    }

    private async Task OnTickAsync()
    {
        await OnMembershipAsync().ConfigureAwait(false);
        foreach (var (type, coordinator) in _types)
        {
            var inHandoff = new List<ShardRecord>();
            foreach (var r in coordinator.Shards.Values)
            {
                if (r.Status == ShardStatus.HandingOff)
                {
                    inHandoff.Add(r);
                }
            }

            Broadcast(type, inHandoff, handoverFrom: null);
            var written = await ActiveAsync(coordinator, x => x.RebalanceAsync(Up())).ConfigureAwait(false);
            Broadcast(type, written, handoverFrom: null);
        }
    }

    /// <summary>Re-homes the shards of owners that are no longer live, drains Leaving members, answers drains.</summary>
    private async Task OnMembershipAsync()
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in _membership.Members)
        {
            if (m.IsLive)
            {
                live.Add(m.NodeName);
            }

            if (m.Status == MemberStatus.Leaving)
            {
                _draining.Add(m.NodeName);
            }
        }

        _draining.RemoveWhere(n => !live.Contains(n));
        if (_membership.Version == 0)
        {
            return;
        }

        // A node that restarted under the same name is a new member: the old incarnation's shards move on at the
        // next epoch (possibly to the new incarnation), so nothing the old one still had in flight can write.
        var newest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var m in _membership.Members)
        {
            if (m.IsLive && (!newest.TryGetValue(m.NodeName, out var seen) || m.Incarnation > seen))
            {
                newest[m.NodeName] = m.Incarnation;
            }
        }

        var restarted = new HashSet<string>(StringComparer.Ordinal);
        var first = _incarnations.Count == 0;
        foreach (var (name, incarnation) in newest)
        {
            if (_incarnations.TryGetValue(name, out var known) ? known < incarnation : first && HasOlderIncarnation(name, incarnation))
            {
                restarted.Add(name);
            }

            _incarnations[name] = incarnation;
        }

        foreach (var (type, coordinator) in _types)
        {
            var gone = new HashSet<string>(restarted, StringComparer.Ordinal);
            foreach (var r in coordinator.Shards.Values)
            {
                if (!live.Contains(r.Owner))
                {
                    gone.Add(r.Owner);
                }
            }

            foreach (var node in gone)
            {
                if (Up().Count == 0)
                {
                    break;
                }

                var written = await ActiveAsync(coordinator, x => x.NodeDownAsync(node, Up())).ConfigureAwait(false);
                Broadcast(type, written, handoverFrom: null);
            }
        }

        await DrainStepAsync().ConfigureAwait(false);
        AnswerDrains();
    }

    /// <summary>
    /// On the first view of a tenure (no memory of earlier incarnations): whether the table still holds an older,
    /// no longer live row of <paramref name="name"/>. Its shards may have been the old incarnation's, so they move on
    /// at the next epoch (at worst a needless re-home of a node that restarted within the dead-row retention).
    /// </summary>
    private bool HasOlderIncarnation(string name, long incarnation)
    {
        foreach (var m in _membership.Members)
        {
            if (m.NodeName == name && !m.IsLive && m.Incarnation < incarnation)
            {
                return true;
            }
        }

        return false;
    }

    private async Task DrainStepAsync()
    {
        var up = Up();
        if (up.Count == 0)
        {
            return;
        }

        foreach (var node in _draining)
        {
            foreach (var (type, coordinator) in _types)
            {
                var written = await ActiveAsync(coordinator, x => x.DrainAsync(node, up)).ConfigureAwait(false);
                Broadcast(type, written, handoverFrom: null);
            }
        }
    }

    private void AnswerDrains()
    {
        var up = Up();
        for (var i = _drainWaiters.Count - 1; i >= 0; i--)
        {
            var (node, replyTo) = _drainWaiters[i];
            var owned = 0;
            foreach (var coordinator in _types.Values)
            {
                owned += coordinator.OwnedBy(node);
            }

            if (owned == 0 || up.Count == 0)
            {
                replyTo.Tell(new CoordinatorReply([], []), Endpoint);
                _drainWaiters.RemoveAt(i);
            }
        }
    }

    private void Broadcast(string type, IReadOnlyList<ShardRecord> rows, string? handoverFrom)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var regions = new List<string>();
        foreach (var m in _membership.Members)
        {
            if (m.Status is MemberStatus.Up or MemberStatus.Leaving)
            {
                regions.Add(m.NodeName);
            }
        }

        foreach (var row in rows)
        {
            object message = row.Status == ShardStatus.HandingOff
                ? new BeginHandoffMessage(type, row.Shard, row.Owner, row.Epoch, regions)
                : ToHome(type, row, handoverFrom);
            foreach (var m in _membership.Members)
            {
                if (m.IsLive && _sharding.RegionRef(m.NodeName, type) is { } region)
                {
                    region.Tell(message, Endpoint);
                }
            }
        }
    }

    private static ShardHomeMessage ToHome(string type, ShardRecord row, string? handoverFrom) =>
        new(type, row.Shard, row.Owner, row.Epoch, row.Status == ShardStatus.HandingOff, handoverFrom);

    private static ShardMove[] Moves(string type, IReadOnlyList<ShardRecord> written)
    {
        var moves = new ShardMove[written.Count];
        for (var i = 0; i < written.Count; i++)
        {
            moves[i] = new ShardMove(type, written[i].Shard, written[i].Owner, written[i].HandoffTo ?? "");
        }

        return moves;
    }

    /// <summary>Members that may receive shards: Up and not draining.</summary>
    private List<string> Up()
    {
        var up = new List<string>();
        foreach (var m in _membership.Members)
        {
            if (m.Status == MemberStatus.Up && !_draining.Contains(m.NodeName) && !up.Contains(m.NodeName))
            {
                up.Add(m.NodeName);
            }
        }

        return up;
    }

    private sealed record Work(object Message, IActorRef? Sender, TaskCompletionSource? Done);

    private sealed record Activate(long Token);

    private sealed record MembershipWork(MembershipSnapshot Snapshot);

    private sealed class Deactivate
    {
        public static readonly Deactivate Instance = new();
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    /// <summary>The singleton instance: activates the node's coordinator for the tenure of the lease.</summary>
    internal sealed class Singleton(CoordinatorService service) : IClusterSingleton
    {
        public Task StartAsync(SingletonContext context, CancellationToken cancellationToken) => service.ActivateAsync(context.FencingToken);

        public Task StopAsync(CancellationToken cancellationToken) => service.DeactivateAsync();
    }

    /// <summary>The endpoint actor: queues what it receives for the service.</summary>
    internal sealed class EndpointActor(CoordinatorService service) : ActorBase
    {
        protected override bool Receive(object message)
        {
            switch (message)
            {
                case GetShardHomeMessage or ShardReleasedMessage or CoordinatorCommand:
                    service.Post(message, Sender);
                    return true;
                default:
                    return false;
            }
        }
    }
}
