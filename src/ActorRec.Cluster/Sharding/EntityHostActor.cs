using ActorRec.Actors;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.Journal;
using Microsoft.Extensions.Logging;
using static ActorRec.Cluster.Sharding.EntityHostProtocol;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// The entities of one type on one node, as children of the region actor's host. What it guarantees:
/// <list type="bullet">
/// <item><b>Fence before serving.</b> When this node becomes a shard's owner at epoch E (<see cref="PrepareShard"/>),
/// the journal's fence for the shard's key is raised to E before any entity of the shard starts; messages wait
/// meanwhile, in order. A journal that already holds a newer epoch refuses (this node is stale): the shard is not
/// served here and the messages are refused with <see cref="ShardUnavailableException"/>. Every entity gets the
/// epoch and fence key in its <see cref="EntityStart"/> and writes with them.</item>
/// <item><b>One incarnation per id.</b> A passivating entity's new messages wait here until its Terminated arrives;
/// then a fresh incarnation starts with them (as the single-node region does).</item>
/// <item><b>Bounded residency and recovery.</b> <see cref="EntityResidency"/> passivates idle entities and the least
/// recently used above the cap on a periodic tick; <see cref="RecoveryThrottle"/> starts entities at a bounded rate,
/// the others wait with their messages, first come first started.</item>
/// <item><b>Stop for handoff.</b> <see cref="StopShard"/> passivates every entity of the shard (they finish, persist and
/// snapshot) and starts at once any that waited for the throttle or the fence, so no delivered message is dropped;
/// <see cref="ShardStopped"/> is answered when the last one has terminated.</item>
/// </list>
/// </summary>
internal sealed class EntityHostActor : ActorBase
{
    private const string PassivationTimer = "passivation";
    private const string ThrottleTimer = "recovery";
    private readonly string _typeName;
    private readonly string _selfNode;
    private readonly Func<EntityStart, Props> _entityProps;
    private readonly EntityHostSettings _settings;
    private readonly ILogger _logger;
    private readonly Dictionary<int, ShardState> _shards = [];
    private readonly Dictionary<string, Entity> _entities = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _idByRef = [];
    private readonly List<string> _scratch = [];
    private readonly HashSet<string> _buffering = new(StringComparer.Ordinal);
    private EntityResidency _residency = null!;
    private RecoveryThrottle _throttle = null!;
    private long _stalledAt = -1;

    public EntityHostActor(string typeName, string selfNode, Func<EntityStart, Props> entityProps, EntityHostSettings settings, ILogger logger)
    {
        _typeName = typeName;
        _selfNode = selfNode;
        _entityProps = entityProps;
        _settings = settings;
        _logger = logger;
    }

    protected override void PreStart()
    {
        var time = Context.System.TimeProvider;
        _residency = new EntityResidency(_settings.IdleTimeout, _settings.MaxResidentEntities);
        _throttle = new RecoveryThrottle(new TokenBucket(_settings.RecoveryEntitiesPerSecond, _settings.RecoveryBurst, time));
        var tick = _settings.IdleTimeout > TimeSpan.Zero
            ? TimeSpan.FromTicks(Math.Clamp(_settings.IdleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond * 5))
            : TimeSpan.FromSeconds(5);
        Timers.StartPeriodicTimer(PassivationTimer, PassivationTick.Instance, tick);
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case Deliver d:
                OnDeliver(d, Sender);
                return true;
            case PrepareShard p:
                Prepare(p.Shard, p.Epoch);
                return true;
            case FenceDone f:
                OnFenceDone(f);
                return true;
            case RetryFence r:
                if (State(r.Shard) is { Fenced: false, Rejected: false } retry && retry.Epoch == r.Epoch && _settings.Journal is { } journal)
                {
                    StartFence(r.Shard, r.Epoch, journal);
                }

                return true;
            case StopShard s:
                OnStopShard(s.Shard, s.Reply);
                return true;
            case StopAll:
                foreach (var shard in _shards.Keys.ToList())
                {
                    OnStopShard(shard, reply: false);
                }

                return true;
            case Terminated t:
                OnTerminated(t.ActorRef);
                return true;
            case PassivationTick:
                Passivate();
                CheckThrottle();
                ReportStall();
                return true;
            case ThrottleTick:
                StartReady();
                return true;
            case GetCounts:
                Sender?.Tell(new Counts(CountByShard()), Self);
                return true;
            case GetShardCounts:
                var counts = CountByShard();
                Sender?.Tell(new ShardCounts(_selfNode, [.. counts.Keys], [.. counts.Values]), Self);
                return true;
            case HostPing:
                Sender?.Tell(HostPong.Instance, Self);
                return true;
            case DescribeHost describe:
                Sender?.Tell(Describe(describe.EntityId, describe.EntityShard), Self);
                return true;
            default:
                return false;
        }
    }

    private void Prepare(int shard, long epoch)
    {
        var state = State(shard);
        if (epoch <= state.Epoch)
        {
            return;
        }

        state.Epoch = epoch;
        state.Rejected = false;
        state.Stopping = false;
        state.StopReply = false;
        foreach (var id in state.Entities)
        {
            // Re-homed here at a newer epoch while entities of the old one run (this node restarted its membership, or
            // the shard came back): they stop, and their next incarnation writes with the new epoch.
            var entity = _entities[id];
            if (entity.Ref is null)
            {
                entity.Epoch = epoch; // still waiting to start: it starts at the new epoch
            }
            else if (entity.Buffer is null && entity.Epoch < epoch)
            {
                entity.Buffer = [];
                entity.Ref.Tell(PassivateEntity.Instance, Self);
            }
        }

        if (_settings.Journal is not { } journal)
        {
            state.Fenced = true;
            return;
        }

        state.Fenced = false;
        StartFence(shard, epoch, journal);
    }

    private void StartFence(int shard, long epoch, IJournal journal)
    {
        var key = ShardingPaths.FenceKey(_typeName, shard);
        var self = Self;
        _ = journal.FenceAsync(key, epoch).ContinueWith(
            t => self.Tell(new FenceDone(shard, epoch, t.Exception?.GetBaseException()), null),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnFenceDone(FenceDone done)
    {
        var state = State(done.Shard);
        if (state.Epoch != done.Epoch || state.Fenced)
        {
            return;
        }

        var key = ShardingPaths.FenceKey(_typeName, done.Shard);
        if (done.Error is JournalFencedException fenced)
        {
            state.Rejected = true;
            ShardingLog.FenceRejected(_logger, _typeName, done.Shard, done.Epoch, fenced.CurrentEpoch, _selfNode);
            while (state.Pending.TryDequeue(out var p))
            {
                p.Sender?.Tell(new Status.Failure(new ShardUnavailableException(
                    $"Shard {done.Shard} of '{_typeName}' is owned at a newer epoch than {done.Epoch} elsewhere; node {_selfNode} does not serve it.")), Self);
            }

            CheckStopped(done.Shard, state);
            return;
        }

        if (done.Error is { } error)
        {
            ShardingLog.FenceFailed(_logger, error, _typeName, done.Shard, done.Epoch);
            Timers.StartSingleTimer(("fence", done.Shard), new RetryFence(done.Shard, done.Epoch), TimeSpan.FromSeconds(1));
            return;
        }

        state.Fenced = true;
        ShardingLog.FenceRaised(_logger, _typeName, done.Shard, done.Epoch, key);
        while (state.Pending.TryDequeue(out var p))
        {
            DeliverToEntity(done.Shard, state, p.EntityId, p.Message, p.Sender);
        }

        if (state.Stopping)
        {
            OnStopShard(done.Shard, state.StopReply);
        }
    }

    private void OnDeliver(Deliver d, IActorRef? sender)
    {
        var state = State(d.Shard);
        if (d.Epoch > state.Epoch)
        {
            Prepare(d.Shard, d.Epoch);
        }

        if (state.Rejected)
        {
            sender?.Tell(new Status.Failure(new ShardUnavailableException(
                $"Shard {d.Shard} of '{_typeName}' is owned at a newer epoch elsewhere; node {_selfNode} does not serve it.")), Self);
            return;
        }

        if (!state.Fenced)
        {
            if (state.Pending.Count == 0)
            {
                state.PendingSince = Now;
            }

            state.Pending.Enqueue(new PendingMessage(d.EntityId, d.Message, sender));
            return;
        }

        DeliverToEntity(d.Shard, state, d.EntityId, d.Message, sender);
    }

    private void DeliverToEntity(int shard, ShardState state, string id, object message, IActorRef? sender)
    {
        _residency.Touch(id, Context.System.TimeProvider.GetUtcNow());
        if (_entities.TryGetValue(id, out var entity))
        {
            entity.Messages++;
            entity.LastMessageAt = Now;
            if (entity.Buffer is { } buffer)
            {
                if (buffer.Count == 0)
                {
                    entity.WaitingSince = entity.LastMessageAt;
                    _buffering.Add(id);
                }

                buffer.Add((message, sender));
            }
            else
            {
                entity.Ref!.Tell(message, sender);
            }

            return;
        }

        entity = new Entity(shard, state.Epoch) { Messages = 1, LastMessageAt = Now };
        _entities[id] = entity;
        state.Entities.Add(id);
        if (_residency.Count - _residency.Passivating > _residency.MaxResident)
        {
            Passivate(); // the cap holds at once, not only at the next tick
        }

        if (_throttle.TryStart(id))
        {
            StartEntity(id, entity);
            entity.Ref!.Tell(message, sender);
            return;
        }

        entity.Buffer = [(message, sender)];
        entity.WaitingSince = entity.LastMessageAt;
        _buffering.Add(id);
        ScheduleThrottle();
    }

    private void StartEntity(string id, Entity entity)
    {
        var start = new EntityStart(id, entity.Shard, entity.Epoch, ShardingPaths.FenceKey(_typeName, entity.Shard));
        var child = Context.ActorOf(_entityProps(start), Uri.EscapeDataString(id));
        Context.Watch(child);
        entity.Ref = child;
        entity.StartedAt = Now;
        _idByRef[child] = id;
    }

    /// <summary>Starts a waiting entity now and hands it its buffered messages.</summary>
    private void StartWaiting(string id, Entity entity)
    {
        StartEntity(id, entity);
        var buffered = entity.Buffer!;
        entity.Buffer = null;
        entity.WaitingSince = null;
        _buffering.Remove(id);
        foreach (var (message, sender) in buffered)
        {
            entity.Ref!.Tell(message, sender);
        }
    }

    private void StartReady()
    {
        _scratch.Clear();
        _throttle.TakeReady(_scratch);
        foreach (var id in _scratch)
        {
            if (_entities.TryGetValue(id, out var entity) && entity.Ref is null)
            {
                StartWaiting(id, entity);
            }
        }

        ScheduleThrottle();
    }

    /// <summary>
    /// Safety net on the periodic tick: entities that keep waiting while a token is free mean the throttle's own tick
    /// never came (they would otherwise wait forever, silently, and every new entity queues behind them: the node stops
    /// serving first-time entities). Starts them now and re-arms the timer.
    /// </summary>
    private void CheckThrottle()
    {
        // Stalled = on two ticks in a row entities waited with a token free and none started in between (one such tick
        // alone can be a throttle tick that is due and still in the mailbox).
        var stalled = _throttle.Waiting > 0 && _throttle.TimeUntilNext() == TimeSpan.Zero;
        var confirmed = stalled && _stalledAt == _throttle.Started;
        _stalledAt = stalled ? _throttle.Started : -1;
        if (confirmed)
        {
            ShardingLog.ThrottleStalled(_logger, _typeName, _throttle.Waiting, Timers.IsTimerActive(ThrottleTimer));
            Timers.Cancel(ThrottleTimer);
            StartReady();
        }
    }

    private void ScheduleThrottle()
    {
        if (_throttle.TimeUntilNext() is { } wait && !Timers.IsTimerActive(ThrottleTimer))
        {
            Timers.StartSingleTimer(ThrottleTimer, ThrottleTick.Instance, wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1));
        }
    }

    private void Passivate()
    {
        _scratch.Clear();
        _residency.CollectToPassivate(Context.System.TimeProvider.GetUtcNow(), _scratch);
        foreach (var id in _scratch)
        {
            if (_entities.TryGetValue(id, out var entity) && entity.Ref is not null && entity.Buffer is null)
            {
                entity.Buffer = [];
                entity.Ref.Tell(PassivateEntity.Instance, Self);
            }
            else
            {
                // Not running yet (waiting to start) or already stopping: leave it resident.
                _residency.Remove(id);
                if (_entities.ContainsKey(id))
                {
                    _residency.Touch(id, Context.System.TimeProvider.GetUtcNow());
                }
            }
        }
    }

    private void OnStopShard(int shard, bool reply)
    {
        var state = State(shard);
        state.Stopping = true;
        state.StopReply |= reply;
        if (!state.Fenced && !state.Rejected && state.Pending.Count > 0)
        {
            return; // the fence completes first; its handler stops the shard then
        }

        state.Pending.Clear();
        foreach (var id in state.Entities)
        {
            var entity = _entities[id];
            if (entity.Ref is null)
            {
                _throttle.Cancel(id);
                StartWaiting(id, entity);
            }

            if (entity.Buffer is null)
            {
                entity.Buffer = [];
                entity.Ref!.Tell(PassivateEntity.Instance, Self);
            }
        }

        CheckStopped(shard, state);
    }

    private void OnTerminated(IActorRef child)
    {
        if (!_idByRef.Remove(child, out var id) || !_entities.TryGetValue(id, out var entity))
        {
            return;
        }

        _residency.Remove(id);
        var state = State(entity.Shard);
        if (entity.Buffer is { Count: > 0 } buffered)
        {
            // Messages arrived while it passivated: a fresh incarnation takes them (and stops again if the shard is stopping).
            var fresh = new Entity(entity.Shard, state.Epoch)
            {
                Buffer = buffered,
                WaitingSince = entity.WaitingSince,
                LastMessageAt = entity.LastMessageAt,
                Messages = buffered.Count,
            };
            _entities[id] = fresh;
            _residency.Touch(id, Context.System.TimeProvider.GetUtcNow());
            if (state.Stopping || _throttle.TryStart(id))
            {
                StartWaiting(id, fresh);
                if (state.Stopping)
                {
                    fresh.Buffer = [];
                    fresh.Ref!.Tell(PassivateEntity.Instance, Self);
                }
            }
            else
            {
                ScheduleThrottle();
            }

            return;
        }

        _entities.Remove(id);
        _buffering.Remove(id);
        state.Entities.Remove(id);
        CheckStopped(entity.Shard, state);
    }

    private void CheckStopped(int shard, ShardState state)
    {
        if (state.Stopping && state.StopReply && state.Entities.Count == 0 && state.Pending.Count == 0)
        {
            state.StopReply = false;
            Context.Parent.Tell(new ShardStopped(shard, 0), Self);
        }
    }

    private Dictionary<int, int> CountByShard()
    {
        var counts = new Dictionary<int, int>();
        foreach (var (shard, state) in _shards)
        {
            if (state.Entities.Count > 0)
            {
                counts[shard] = state.Entities.Count;
            }
        }

        return counts;
    }

    private long Now => Context.System.TimeProvider.GetTimestamp();

    private TimeSpan? Since(long? timestamp) => timestamp is { } t ? Context.System.TimeProvider.GetElapsedTime(t) : null;

    /// <summary>The oldest message waiting here: behind a fence, or in the buffer of an entity waiting to start or passivating.</summary>
    private TimeSpan OldestWaiting()
    {
        var oldest = TimeSpan.Zero;
        foreach (var state in _shards.Values)
        {
            if (state.Pending.Count > 0 && Since(state.PendingSince) is { } age && age > oldest)
            {
                oldest = age;
            }
        }

        foreach (var id in _buffering)
        {
            if (_entities.TryGetValue(id, out var entity) && Since(entity.WaitingSince) is { } age && age > oldest)
            {
                oldest = age;
            }
        }

        return oldest;
    }

    /// <summary>On the periodic tick: tells the region when a message has waited here too long (it logs a dump).</summary>
    private void ReportStall()
    {
        if (OldestWaiting() is var oldest && oldest >= RegionActor.StallWarningAfter)
        {
            Context.Parent.Tell(new HostStalled(oldest), Self);
        }
    }

    private HostDiagnostics Describe(string? entityId, int entityShard)
    {
        int running = 0, waiting = 0, passivating = 0, buffered = 0;
        TimeSpan? oldestWaiting = null;
        foreach (var entity in _entities.Values)
        {
            if (entity.Ref is null)
            {
                waiting++;
            }
            else if (entity.Buffer is null)
            {
                running++;
            }
            else
            {
                passivating++;
            }

            buffered += entity.Buffer?.Count ?? 0;
            if (entity.Buffer is { Count: > 0 } && Since(entity.WaitingSince) is { } age && (oldestWaiting is null || age > oldestWaiting))
            {
                oldestWaiting = age;
            }
        }

        var shards = new List<HostShardDiagnostics>();
        foreach (var (shard, state) in _shards)
        {
            if (state.Fenced && !state.Rejected && !state.Stopping && state.Pending.Count == 0 && shard != entityShard)
            {
                continue;
            }

            shards.Add(new HostShardDiagnostics(shard, state.Epoch, state.Fenced, state.Rejected, state.Stopping, state.Pending.Count,
                state.Pending.Count > 0 ? Since(state.PendingSince) : null, state.Entities.Count));
        }

        shards.Sort(static (a, b) => a.Shard.CompareTo(b.Shard));
        EntityDiagnostics? one = null;
        if (entityId is not null)
        {
            one = _entities.TryGetValue(entityId, out var e)
                ? new EntityDiagnostics(entityId, e.Shard, e.Ref is null ? "waiting-to-start" : e.Buffer is null ? "running" : "passivating", e.Epoch,
                    e.Buffer?.Count ?? 0, Since(e.StartedAt), Since(e.LastMessageAt), e.Messages)
                : new EntityDiagnostics(entityId, entityShard, EntityDiagnostics.Absent, 0, 0, null, null, 0);
        }

        return new HostDiagnostics(_entities.Count, running, waiting, passivating, buffered, oldestWaiting, _throttle.Waiting,
            _throttle.Tokens, _throttle.TimeUntilNext(), Timers.IsTimerActive(ThrottleTimer), _throttle.Started,
            (_settings.Journal as JournalBase)?.CommitCount, shards, one);
    }

    private ShardState State(int shard)
    {
        if (!_shards.TryGetValue(shard, out var state))
        {
            state = new ShardState();
            _shards[shard] = state;
        }

        return state;
    }

    private sealed record FenceDone(int Shard, long Epoch, Exception? Error);

    private sealed record RetryFence(int Shard, long Epoch);

    private sealed record PendingMessage(string EntityId, object Message, IActorRef? Sender);

    private sealed class ShardState
    {
        public long Epoch { get; set; }

        public bool Fenced { get; set; }

        public bool Rejected { get; set; }

        public bool Stopping { get; set; }

        public bool StopReply { get; set; }

        /// <summary>When <see cref="Pending"/> last went from empty to non-empty (diagnostics).</summary>
        public long PendingSince { get; set; }

        public Queue<PendingMessage> Pending { get; } = new();

        public HashSet<string> Entities { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Entity(int shard, long epoch)
    {
        public int Shard { get; } = shard;

        public long Epoch { get; set; } = epoch;

        /// <summary>Null while the entity waits for the recovery throttle.</summary>
        public IActorRef? Ref { get; set; }

        /// <summary>Non-null while waiting to start (Ref null) or passivating (Ref set): messages for the next incarnation.</summary>
        public List<(object Message, IActorRef? Sender)>? Buffer { get; set; }

        /// <summary>When the buffer got its first message (null: no message buffered; diagnostics).</summary>
        public long? WaitingSince { get; set; }

        /// <summary>When this incarnation started (null: not yet).</summary>
        public long? StartedAt { get; set; }

        public long LastMessageAt { get; set; }

        /// <summary>Messages handed to (or buffered for) this incarnation.</summary>
        public long Messages { get; set; }
    }

    private sealed class PassivationTick
    {
        public static readonly PassivationTick Instance = new();
    }

    private sealed class ThrottleTick
    {
        public static readonly ThrottleTick Instance = new();
    }
}
