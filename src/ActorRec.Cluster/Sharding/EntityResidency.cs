using System.Diagnostics;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// Which entities are resident on a node and which to passivate: idle ones (no message for <c>idle-timeout</c>) and,
/// above <c>max-resident-entities</c>, the least recently used ones. Akka.NET passivates by idleness only, so a burst
/// of distinct users can fill a node's memory; the cap bounds it.
/// <para>
/// Entities sit in one doubly linked list ordered by last message (every touch moves one to the tail, O(1)); since the
/// clock only moves forward, the head is both the least recently used and the longest idle, so both scans stop at the
/// first entity that does not qualify: O(passivated), not O(resident). An entity marked passivating stays listed
/// (it still holds memory until it stops) but is not chosen again and does not count against the cap, so one round
/// picks exactly the surplus. Not thread-safe: the region actor owns it.
/// </para>
/// </summary>
public sealed class EntityResidency
{
    private readonly Dictionary<string, LinkedListNode<Resident>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<Resident> _lru = new();

    public EntityResidency(TimeSpan idleTimeout, int maxResident)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(idleTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxResident, 1);
        IdleTimeout = idleTimeout;
        MaxResident = maxResident;
    }

    /// <summary>Zero: no idle passivation.</summary>
    public TimeSpan IdleTimeout { get; }

    public int MaxResident { get; }

    /// <summary>Entities listed (live, including those passivating).</summary>
    public int Count => _byId.Count;

    /// <summary>Entities marked passivating and not yet removed.</summary>
    public int Passivating { get; private set; }

    public bool Contains(string id) => _byId.ContainsKey(id);

    public bool IsPassivating(string id) => _byId.TryGetValue(id, out var n) && n.Value.Passivating;

    /// <summary>Records a message for <paramref name="id"/> at <paramref name="now"/>; true when it was not resident.</summary>
    public bool Touch(string id, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (_byId.TryGetValue(id, out var node))
        {
            Debug.Assert(now >= node.Value.LastTouch || _lru.Last == node, "time moved backwards");
            node.Value.LastTouch = now;
            _lru.Remove(node);
            _lru.AddLast(node);
            return false;
        }

        _byId[id] = _lru.AddLast(new Resident(id, now));
        return true;
    }

    /// <summary>Adds to <paramref name="into"/> the entities to passivate now (idle ones, then the LRU surplus) and marks them.</summary>
    public void CollectToPassivate(DateTimeOffset now, List<string> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var surplus = _byId.Count - Passivating - MaxResident;
        for (var node = _lru.First; node is not null; node = node.Next)
        {
            var r = node.Value;
            if (r.Passivating)
            {
                continue;
            }

            var idle = IdleTimeout > TimeSpan.Zero && now - r.LastTouch >= IdleTimeout;
            if (!idle && surplus <= 0)
            {
                break;
            }

            r.Passivating = true;
            Passivating++;
            surplus--;
            into.Add(r.Id);
        }
    }

    /// <summary>Marks one entity passivating (a shard handoff stops all of its entities); false if absent or already marked.</summary>
    public bool MarkPassivating(string id)
    {
        if (!_byId.TryGetValue(id, out var node) || node.Value.Passivating)
        {
            return false;
        }

        node.Value.Passivating = true;
        Passivating++;
        return true;
    }

    /// <summary>The entity stopped; false when it was not listed.</summary>
    public bool Remove(string id)
    {
        if (!_byId.Remove(id, out var node))
        {
            return false;
        }

        if (node.Value.Passivating)
        {
            Passivating--;
        }

        _lru.Remove(node);
        return true;
    }

    private sealed class Resident(string id, DateTimeOffset lastTouch)
    {
        public string Id { get; } = id;

        public DateTimeOffset LastTouch { get; set; } = lastTouch;

        public bool Passivating { get; set; }
    }
}
