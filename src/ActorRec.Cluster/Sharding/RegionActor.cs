using ActorRec.Actors;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Remote;
using Microsoft.Extensions.Logging;
using static ActorRec.Cluster.Sharding.EntityHostProtocol;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// The region of one entity type on one node (<c>/system/sharding-TYPE</c>): drives a <see cref="RegionShardRouter"/>
/// from its mailbox and carries out its effects. Local deliveries go to the <see cref="EntityHostActor"/> child;
/// forwards, barriers and handovers go to the other node's region over one remote ref, so they share the node pair's
/// connection and keep their order (the handoff protocol's premise); home requests and releases go to the coordinator
/// endpoint, found through the singleton's lease and updated from the sender of every home it broadcasts.
/// <para>
/// Before the router hears that this node owns a shard at a new epoch, the host is told to raise the shard's journal
/// fence (<see cref="PrepareShard"/>): the host holds the shard's messages until the fence is up. A shard that moves
/// away without a handoff (its owner here was declared down and re-homed) has its entities stopped: their late writes
/// would be fenced anyway. A member that is no longer live is reported to the router (its barriers and handovers will
/// never come). A message refused because its shard's buffer is full is answered with a
/// <see cref="ShardUnavailableException"/> failure.
/// </para>
/// </summary>
internal sealed class RegionActor : ActorBase, IRegionEffects
{
    /// <summary>A message that waited this long in the region or its host (an ask's default deadline) makes the
    /// region log a <see cref="RegionDiagnostics"/> dump (warning 1624), at most once per <see cref="StallLogInterval"/>.</summary>
    public static readonly TimeSpan StallWarningAfter = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan StallLogInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long a dump waits for the entity host's part (an idle host answers in microseconds).</summary>
    public static readonly TimeSpan HostAnswerTimeout = TimeSpan.FromSeconds(2);

    private const string RetryTimer = "retry";
    private readonly string _typeName;
    private readonly ClusterSharding _sharding;
    private readonly Func<EntityStart, Props> _entityProps;
    private readonly EntityHostSettings _hostSettings;
    private readonly ShardOwners _owners;
    private readonly ILogger _logger;
    private readonly HashSet<string> _live = new(StringComparer.Ordinal);
    private RegionShardRouter _router = null!;
    private IActorRef _host = null!;
    private IActorRef? _coordinator;
    private bool _selfDown;
    private long _stallLoggedAt;
    private long? _hostPingSentAt;

    public RegionActor(string typeName, ClusterSharding sharding, Func<EntityStart, Props> entityProps, EntityHostSettings hostSettings, ShardOwners owners,
        ILogger logger)
    {
        _owners = owners;
        _typeName = typeName;
        _sharding = sharding;
        _entityProps = entityProps;
        _hostSettings = hostSettings;
        _logger = logger;
    }

    private string SelfNode => _sharding.SelfNode;

    protected override void PreStart()
    {
        _router = new RegionShardRouter(_typeName, SelfNode, _sharding.Resolver, _sharding.Settings.HandoffBufferSize, this, _logger,
            Context.System.TimeProvider);
        _host = Context.ActorOf(Props.Create(() => new EntityHostActor(_typeName, SelfNode, _entityProps, _hostSettings, _logger)), "entities");
        Timers.StartPeriodicTimer(RetryTimer, RetryTick.Instance, _sharding.Settings.RetryInterval);
        if (_sharding.CurrentMembership() is { } snapshot)
        {
            OnMembers(snapshot);
        }

        LocateCoordinator();
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case RegionEnvelope e:
                _router.Route(new RoutedMessage(e.EntityId, e.Message, Sender));
                return true;
            case ShardHomeMessage h:
                _coordinator = Sender ?? _coordinator;
                OnHome(h);
                PublishOwner(h.Shard);
                return true;
            case BeginHandoffMessage b:
                _coordinator = Sender ?? _coordinator;
                _router.OnBeginHandoff(b.Shard, b.Owner, b.Epoch, [.. b.Regions]);
                PublishOwner(b.Shard);
                return true;
            case ShardBarrierMessage b:
                _router.OnBarrier(b.Shard, b.Epoch, b.FromNode);
                PublishOwner(b.Shard);
                return true;
            case ShardHandoverMessage h:
                _router.OnHandover(h.Shard, h.Epoch, h.Messages);
                PublishOwner(h.Shard);
                return true;
            case ShardStopped s:
                Timers.Cancel(("handoff", s.Shard));
                _router.OnEntitiesStopped(s.Shard);
                PublishOwner(s.Shard);
                return true;
            case HandoffTimeout t:
                _router.OnHandoffTimeout(t.Shard, -1);
                PublishOwner(t.Shard);
                return true;
            case RetryTick:
                LocateCoordinator();
                if (_router.OldestBuffered() is var oldest && oldest >= StallWarningAfter)
                {
                    LogStall(oldest);
                }

                PingHost();
                return true;
            case HostPong:
                _hostPingSentAt = null;
                return true;
            case HostStalled stalled:
                LogStall(stalled.Oldest);
                return true;
            case DescribeRegion describe:
                Describe(describe.EntityId, Sender);
                return true;
            case StallDump dump:
                ShardingLog.RegionStalled(_logger, _typeName, SelfNode, Math.Round(dump.Oldest.TotalSeconds, 1), dump.Diagnostics.Describe());
                return true;
            case CoordinatorLocated located:
                if (located.Coordinator is { } coordinator)
                {
                    _coordinator = coordinator;
                    _router.RetryResolving();
                }

                return true;
            case MembersChanged m:
                OnMembers(m.Snapshot);
                for (var shard = 0; shard < _owners.Count; shard++)
                {
                    PublishOwner(shard);
                }

                if (m.SelfDown && !_selfDown)
                {
                    _selfDown = true;
                    _host.Tell(StopAll.Instance, Self);
                }

                return true;
            case GetShardCounts:
                _host.Tell(GetShardCounts.Instance, Sender);
                return true;
            default:
                return false;
        }
    }

    private void OnHome(ShardHomeMessage h)
    {
        var phase = _router.PhaseOf(h.Shard);
        if (!h.HandingOff && h.Epoch >= _router.EpochOf(h.Shard))
        {
            if (h.Owner == SelfNode)
            {
                _host.Tell(new PrepareShard(h.Shard, h.Epoch), Self);
            }
            else if (phase == ShardPhase.Local)
            {
                ShardingLog.RegionShardLost(_logger, _typeName, h.Shard, h.Owner, h.Epoch);
                _host.Tell(new StopShard(h.Shard, Reply: false), Self);
            }
        }

        _router.OnHome(h.ToHome());
    }

    // The read model behind ShardedRegion.OwnerOf: where the router sends the shard's messages now.
    private void PublishOwner(int shard) => _owners.Set(shard, _router.PhaseOf(shard) switch
    {
        ShardPhase.Local => SelfNode,
        ShardPhase.Remote => _router.OwnerOf(shard),
        _ => null,
    });

    private void OnMembers(MembershipSnapshot snapshot)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in snapshot.Members)
        {
            if (m.IsLive)
            {
                live.Add(m.NodeName);
            }
        }

        foreach (var node in _live)
        {
            if (!live.Contains(node) && node != SelfNode)
            {
                _router.OnRegionDown(node);
            }
        }

        _live.Clear();
        _live.UnionWith(live);
    }

    /// <summary>Answers <paramref name="replyTo"/> with this node's <see cref="RegionDiagnostics"/> (the host adds its part).</summary>
    private void Describe(string? entityId, IActorRef? replyTo)
    {
        if (replyTo is null)
        {
            return;
        }

        var shard = entityId is null ? -1 : _sharding.Resolver.ShardOf(entityId);
        var shards = new List<RegionShardDiagnostics>();
        var phases = new Dictionary<string, int>(StringComparer.Ordinal);
        _router.Describe(shards, phases, shard);
        var typeName = _typeName;
        var node = SelfNode;
        var coordinatorKnown = _coordinator is not null;
        var self = Self;
        _ = _host.Ask<HostDiagnostics>(new DescribeHost(entityId, shard), HostAnswerTimeout).ContinueWith(
            t =>
            {
                replyTo.Tell(new RegionDiagnostics(typeName, node, coordinatorKnown, phases, shards, t.IsCompletedSuccessfully ? t.Result : null), self);
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>One ping to the entity host per tick; one unanswered for <see cref="StallWarningAfter"/> logs a dump.</summary>
    private void PingHost()
    {
        var time = Context.System.TimeProvider;
        if (_hostPingSentAt is not { } sent)
        {
            _hostPingSentAt = time.GetTimestamp();
            _host.Tell(HostPing.Instance, Self);
        }
        else if (time.GetElapsedTime(sent) is var waited && waited >= StallWarningAfter)
        {
            LogStall(waited);
        }
    }

    /// <summary>Logs a dump (warning 1624) when a message waited too long here; at most once per <see cref="StallLogInterval"/>.</summary>
    private void LogStall(TimeSpan oldest)
    {
        var time = Context.System.TimeProvider;
        if (_stallLoggedAt != 0 && time.GetElapsedTime(_stallLoggedAt) < StallLogInterval)
        {
            return;
        }

        _stallLoggedAt = time.GetTimestamp();
        var self = Self;
        var dump = _host.Ask<HostDiagnostics>(new DescribeHost(null, -1), HostAnswerTimeout);
        var shards = new List<RegionShardDiagnostics>();
        var phases = new Dictionary<string, int>(StringComparer.Ordinal);
        _router.Describe(shards, phases);
        var typeName = _typeName;
        var node = SelfNode;
        var coordinatorKnown = _coordinator is not null;
        _ = dump.ContinueWith(
            t =>
            {
                self.Tell(new StallDump(oldest, new RegionDiagnostics(typeName, node, coordinatorKnown, phases, shards, t.IsCompletedSuccessfully ? t.Result : null)), null);
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void LocateCoordinator()
    {
        var self = Self;
        _ = _sharding.LocateCoordinatorAsync().ContinueWith(
            t => self.Tell(new CoordinatorLocated(t.IsCompletedSuccessfully ? t.Result : null), null),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    void IRegionEffects.DeliverLocal(int shard, long epoch, in RoutedMessage message) =>
        _host.Tell(new Deliver(shard, epoch, message.EntityId, message.Message), message.Sender);

    void IRegionEffects.Forward(string node, int shard, in RoutedMessage message)
    {
        if (!TrySend(node, new RegionEnvelope(message.EntityId, message.Message), message.Sender, "an entity message"))
        {
            message.Sender?.Tell(new Status.Failure(new ShardUnavailableException(
                $"Shard {shard} of '{_typeName}' lives on {node}, which cannot be reached now; retry.")), Self);
        }
    }

    void IRegionEffects.RequestHome(int shard)
    {
        if (_coordinator is { } coordinator)
        {
            coordinator.Tell(new GetShardHomeMessage(_typeName, shard, SelfNode), Self);
        }
    }

    void IRegionEffects.StopEntities(int shard)
    {
        _host.Tell(new StopShard(shard, Reply: true), Self);
        Timers.StartSingleTimer(("handoff", shard), new HandoffTimeout(shard), _sharding.Settings.HandoffTimeout);
    }

    void IRegionEffects.SendBarrier(string owner, int shard, long epoch) =>
        TrySend(owner, new ShardBarrierMessage(shard, epoch, SelfNode), Self, "a barrier");

    void IRegionEffects.Released(int shard, long epoch) =>
        _coordinator?.Tell(new ShardReleasedMessage(_typeName, shard, epoch, SelfNode), Self);

    void IRegionEffects.Handover(string newOwner, int shard, long epoch, IReadOnlyList<RoutedMessage> messages) =>
        TrySend(newOwner, new ShardHandoverMessage(shard, epoch, messages), Self, "a handover");

    void IRegionEffects.Refused(int shard, in RoutedMessage message) =>
        message.Sender?.Tell(new Status.Failure(new ShardUnavailableException(
            $"Shard {shard} of '{_typeName}' is unavailable: its buffer of {_sharding.Settings.HandoffBufferSize} messages is full while its home is unknown or moving; retry.")), Self);

    private bool TrySend(string node, object message, IActorRef? sender, string what)
    {
        if (node == SelfNode)
        {
            Self.Tell(message, sender);
            return true;
        }

        if (_sharding.RegionRef(node, _typeName) is not { } region)
        {
            ShardingLog.RegionSendFailed(_logger, _typeName, what, node, "the node is not a live member");
            return false;
        }

        try
        {
            region.Tell(message, sender);
            return true;
        }
        catch (UnregisteredMessageTypeException e)
        {
            ShardingLog.RegionSendFailed(_logger, _typeName, what, node, e.Message);
            return false;
        }
    }

    /// <summary>A new membership table version; <paramref name="SelfDown"/> when this node's own row is no longer live.</summary>
    internal sealed record MembersChanged(MembershipSnapshot Snapshot, bool SelfDown);

    private sealed record CoordinatorLocated(IActorRef? Coordinator);

    private sealed record HandoffTimeout(int Shard);

    private sealed record StallDump(TimeSpan Oldest, RegionDiagnostics Diagnostics);

    private sealed class RetryTick
    {
        public static readonly RetryTick Instance = new();
    }
}
