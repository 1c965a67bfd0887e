using System.Runtime.InteropServices;

namespace ActorRec.Recommender.Domain;

/// <summary>
/// The event ids an entity has applied, kept so that a re-sent event is acknowledged without being applied twice.
/// <para>
/// <b>What is remembered.</b> Ids are kept in arrival order with the second of their event's timestamp. The oldest
/// id is forgotten only when both hold: more than <c>window</c> ids are kept, and its timestamp is more than
/// <c>horizon</c> older than the newest event timestamp applied so far. So a re-sent event is recognised when it is
/// among the entity's last <c>window</c> events, or when its own timestamp lies within <c>horizon</c> of the entity's
/// newest event: a client that retries a batch (same ids, same timestamps) within the horizon is safe however many
/// other events of that entity came in between. <c>max</c> caps the ids kept (the oldest go first), bounding memory
/// for an entity that receives more than <c>max</c> events within one horizon.
/// </para>
/// <para>
/// Only event data decides what is kept (never the wall clock), so journal replay rebuilds the same set, and a
/// snapshot stores the ids with their seconds. Lookups scan the live ids (12 bytes each) while there are few; past
/// <see cref="HashFrom"/> ids a hash set answers instead. A mutable struct held in a non-readonly field of its
/// owner, so that a user with a few events pays for a small array and nothing else; never copy one.
/// </para>
/// </summary>
public struct AppliedIds
{
    /// <summary>Ids kept before lookups go through a hash set instead of a scan.</summary>
    public const int HashFrom = 64;

    private const int InitialSize = 4;
    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    private readonly int _window;
    private readonly uint _horizonSeconds;
    private readonly int _max;
    private Entry[] _items = [];
    private int _head;
    private int _count;
    private uint _newest;
    private HashSet<ulong>? _set;

    public AppliedIds(int window, TimeSpan horizon, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, window);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, TimeSpan.Zero);
        _window = window;
        _max = max;
        _horizonSeconds = (uint)Math.Min(horizon.Ticks / TimeSpan.TicksPerSecond, uint.MaxValue);
    }

    public readonly int Count => _count;

    /// <summary>The newest event second seen (seconds since the Unix epoch; 0 before the first id).</summary>
    public readonly uint NewestSecond => _newest;

    /// <summary>An event timestamp as the whole seconds since the Unix epoch that the window keeps (clamped).</summary>
    public static uint SecondOf(DateTimeOffset timestamp) =>
        (uint)Math.Clamp((timestamp.UtcTicks - UnixEpochTicks) / TimeSpan.TicksPerSecond, 0, uint.MaxValue);

    public readonly bool Contains(ulong key)
    {
        if (_set is not null)
        {
            return _set.Contains(key);
        }

        var first = Math.Min(_count, _items.Length - _head);
        var items = _items;
        for (var i = _head; i < _head + first; i++)
        {
            if (items[i].Key == key)
            {
                return true;
            }
        }

        for (var i = 0; i < _count - first; i++)
        {
            if (items[i].Key == key)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds <paramref name="key"/> of an event at <paramref name="timestamp"/>; false when it is already kept.</summary>
    public bool Add(ulong key, DateTimeOffset timestamp) => Add(key, SecondOf(timestamp));

    /// <summary>Adds <paramref name="key"/> of an event at <paramref name="second"/> (see <see cref="SecondOf"/>); false when it is already kept.</summary>
    public bool Add(ulong key, uint second)
    {
        if (Contains(key))
        {
            return false;
        }

        _newest = Math.Max(_newest, second);
        while (_count >= _window && (_count >= _max || IsPastHorizon(_items[_head].Second)))
        {
            RemoveOldest();
        }

        if (_count == _items.Length)
        {
            Resize(Math.Min(Math.Max(InitialSize, _items.Length * 2), _max));
        }
        else if (_items.Length > 4 * InitialSize && _count < _items.Length / 4)
        {
            Resize(_items.Length / 2);
        }

        _items[(_head + _count) % _items.Length] = new Entry(key, second);
        _count++;
        if (_set is not null)
        {
            _set.Add(key);
        }
        else if (_count > HashFrom)
        {
            _set = new HashSet<ulong>(_count * 2);
            for (var i = 0; i < _count; i++)
            {
                _set.Add(_items[(_head + i) % _items.Length].Key);
            }
        }

        return true;
    }

    /// <summary>The kept ids oldest first, with their event seconds (for snapshots: adding them in order rebuilds the window).</summary>
    public readonly (ulong[] Keys, uint[] Seconds) ToArrays()
    {
        var keys = new ulong[_count];
        var seconds = new uint[_count];
        for (var i = 0; i < _count; i++)
        {
            var e = _items[(_head + i) % _items.Length];
            keys[i] = e.Key;
            seconds[i] = e.Second;
        }

        return (keys, seconds);
    }

    /// <summary>
    /// Rebuilds the window from a snapshot's ids (oldest first). <paramref name="seconds"/> may be empty (a snapshot
    /// written before seconds were kept): every id then takes <paramref name="fallbackSecond"/>, the snapshot's newest
    /// event, so none is forgotten before a horizon has passed.
    /// </summary>
    public void Restore(ReadOnlySpan<ulong> keys, ReadOnlySpan<uint> seconds, uint fallbackSecond)
    {
        if (seconds.Length != 0 && seconds.Length != keys.Length)
        {
            throw new ArgumentException($"{keys.Length} applied ids but {seconds.Length} seconds", nameof(seconds));
        }

        for (var i = 0; i < keys.Length; i++)
        {
            Add(keys[i], seconds.Length == 0 ? fallbackSecond : seconds[i]);
        }
    }

    private readonly bool IsPastHorizon(uint second) => (ulong)second + _horizonSeconds < _newest;

    private void RemoveOldest()
    {
        _set?.Remove(_items[_head].Key);
        _head = (_head + 1) % _items.Length;
        _count--;
    }

    private void Resize(int size)
    {
        var next = new Entry[size];
        for (var i = 0; i < _count; i++)
        {
            next[i] = _items[(_head + i) % _items.Length];
        }

        _items = next;
        _head = 0;
        if (_set is not null && _count <= HashFrom / 2)
        {
            _set = null;
        }
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private readonly record struct Entry(ulong Key, uint Second);
}
