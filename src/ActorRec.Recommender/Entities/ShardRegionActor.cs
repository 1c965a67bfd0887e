using System.Runtime.InteropServices;
using ActorRec.Actors;
using ActorRec.Persistence.Actors;

namespace ActorRec.Recommender.Entities;

/// <summary>
/// Parent of the entities of one kind on this node: starts an entity on its first message (child named by the
/// escaped id), forwards messages keeping the sender (so asks are answered by the entity), and passivates idle
/// entities.
/// <para>
/// Passivation is safe against the race with new messages: an idle entity is sent <see cref="PassivateEntity"/>
/// (it snapshots and stops, after any write in flight) and from then on messages for its id are buffered here, not
/// sent to the stopping incarnation. When its <see cref="Terminated"/> arrives and messages are buffered, a fresh
/// incarnation is started (it recovers from the snapshot) and receives them in order. Only then may the id be live
/// again, so two incarnations never hold one persistence id. Idleness is checked by a periodic timer on the system's
/// clock (virtual in tests).
/// </para>
/// </summary>
internal sealed class ShardRegionActor : ActorBase
{
    private const string TickKey = "passivation";
    private readonly Func<string, Props> _entityProps;
    private readonly TimeSpan _passivateAfter;
    // One 16-byte struct entry per live entity (no object per entity); a terminated child is mapped back to its id
    // through its name, the escaped id (EscapeDataString and UnescapeDataString are inverses). Entities being
    // passivated (few at a time) have their buffered messages in _passivating, not a field of every entry.
    private readonly Dictionary<string, Entity> _entities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(object Message, IActorRef? Sender)>> _passivating = new(StringComparer.Ordinal);
    private readonly List<string> _idle = [];
    private long _passivated;

    public ShardRegionActor(Func<string, Props> entityProps, TimeSpan passivateAfter)
    {
        _entityProps = entityProps;
        _passivateAfter = passivateAfter;
    }

    protected override void PreStart()
    {
        if (_passivateAfter > TimeSpan.Zero)
        {
            var interval = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, _passivateAfter.Ticks / 4));
            Timers.StartPeriodicTimer(TickKey, PassivationTick.Instance, interval);
        }
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case ShardEnvelope envelope:
                Deliver(envelope.EntityId, envelope.Message, Sender);
                return true;
            case PassivationTick:
                PassivateIdle();
                return true;
            case Terminated terminated:
                OnTerminated(terminated.ActorRef);
                return true;
            case GetRegionStats:
                Sender?.Tell(new RegionStats(_entities.Count, _passivated), Self);
                return true;
            default:
                return false;
        }
    }

    private void Deliver(string id, object message, IActorRef? sender)
    {
        var now = Context.System.TimeProvider.GetUtcNow().UtcTicks;
        ref var entity = ref CollectionsMarshal.GetValueRefOrAddDefault(_entities, id, out var exists);
        if (!exists)
        {
            entity = new Entity(Start(id));
        }

        entity.LastTouchTicks = now;
        if (_passivating.Count != 0 && _passivating.TryGetValue(id, out var buffer))
        {
            buffer.Add((message, sender));
            return;
        }

        entity.Ref.Tell(message, sender);
    }

    private IActorRef Start(string id)
    {
        var child = Context.ActorOf(_entityProps(id), Uri.EscapeDataString(id));
        Context.Watch(child);
        return child;
    }

    private void PassivateIdle()
    {
        var now = Context.System.TimeProvider.GetUtcNow().UtcTicks;
        _idle.Clear();
        foreach (var (id, entity) in _entities)
        {
            if (now - entity.LastTouchTicks >= _passivateAfter.Ticks && !_passivating.ContainsKey(id))
            {
                _idle.Add(id);
            }
        }

        foreach (var id in _idle)
        {
            _passivating.Add(id, []);
            _entities[id].Ref.Tell(PassivateEntity.Instance, Self);
        }
    }

    private void OnTerminated(IActorRef child)
    {
        var id = Uri.UnescapeDataString(child.Path.Name);
        if (!_entities.TryGetValue(id, out var entity) || !ReferenceEquals(entity.Ref, child))
        {
            return;
        }

        _entities.Remove(id);
        if (_passivating.Remove(id, out var buffered))
        {
            _passivated++;
        }

        if (buffered is { Count: > 0 })
        {
            var fresh = Start(id);
            _entities[id] = new Entity(fresh) { LastTouchTicks = entity.LastTouchTicks };
            foreach (var (message, sender) in buffered)
            {
                fresh.Tell(message, sender);
            }
        }
    }

    private struct Entity(IActorRef actor)
    {
        public IActorRef Ref { get; } = actor;

        public long LastTouchTicks { get; set; }
    }

    private sealed class PassivationTick
    {
        public static readonly PassivationTick Instance = new();
    }
}
