using System.Numerics;
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
/// snapshot stores the ids with their seconds.
/// </para>
/// <para>
/// <b>Layout.</b> Memory is the budget (a video that is hot for five minutes remembers thousands of ids), so there
/// are two layouts with the same behaviour. Up to <see cref="HashFrom"/> ids (every user with a few events) a ring of
/// (id, second) entries, 12 bytes an id, grown by doubling and scanned on lookup. Past it the ids move to a dense
/// layout (see <see cref="Dense"/>): a ring of the 8-byte ids alone, a parallel ring of their seconds as 16-bit
/// offsets from a base second (32-bit seconds only when the kept seconds span more than 18 hours), and an
/// open-addressing table of ring slots (linear probing, at most two thirds full, 16-bit slots while the ring has fewer
/// than 65,535 places): 13 bytes per remembered id when the ring is full (15-16 on average with its growth by half),
/// against 20-28 bytes for the former (id, second) ring grown by doubling plus a 32-bit table at most half full. A
/// lookup is one hash and a
/// short probe either way. A mutable struct held in a non-readonly field of its owner; never copy one.
/// </para>
/// </summary>
public partial struct AppliedIds
{
    /// <summary>Ids beyond which the dense layout (hash table) replaces the scanned ring.</summary>
    public const int HashFrom = 64;

    private const int InitialSize = 4;
    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    private readonly int _window;
    private readonly uint _horizonSeconds;
    private readonly int _max;

    // The small layout (empty while dense): a ring of (id, second), oldest at _head.
    private Entry[] _items = [];
    private Dense? _dense;
    private int _head;
    private int _count;
    private uint _newest;

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

    /// <summary>Bytes of the arrays and objects that hold the ids (not the struct itself): what remembering them costs.</summary>
    public readonly long HeapBytes => _dense?.HeapBytes ?? (_items.Length == 0 ? 0 : ArrayBytes(_items.Length, 12));

    /// <summary>An event timestamp as the whole seconds since the Unix epoch that the window keeps (clamped).</summary>
    public static uint SecondOf(DateTimeOffset timestamp) =>
        (uint)Math.Clamp((timestamp.UtcTicks - UnixEpochTicks) / TimeSpan.TicksPerSecond, 0, uint.MaxValue);

    public readonly bool Contains(ulong key)
    {
        if (_dense is not null)
        {
            return _dense.Contains(key);
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
        while (_count >= _window && (_count >= _max || IsPastHorizon(OldestSecond())))
        {
            RemoveOldest();
        }

        if (_dense is not null)
        {
            _dense.Append(key, second, _max);
            _count++;
            return true;
        }

        if (_count == _items.Length)
        {
            var size = Math.Min(Math.Max(InitialSize, _items.Length * 2), _max);
            if (size > HashFrom)
            {
                ToDense();
                _dense!.Append(key, second, _max);
                _count++;
                return true;
            }

            Resize(size);
        }
        else if (_items.Length > 4 * InitialSize && _count < _items.Length / 4)
        {
            Resize(_items.Length / 2);
        }

        _items[(_head + _count) % _items.Length] = new Entry(key, second);
        _count++;
        return true;
    }

    /// <summary>The kept ids oldest first, with their event seconds (for snapshots: adding them in order rebuilds the window).</summary>
    public readonly (ulong[] Keys, uint[] Seconds) ToArrays()
    {
        var keys = new ulong[_count];
        var seconds = new uint[_count];
        if (_dense is not null)
        {
            _dense.CopyTo(keys, seconds);
            return (keys, seconds);
        }

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

    internal static long ArrayBytes(int length, int elementBytes) => 24 + (((long)length * elementBytes + 7) & ~7L);

    private static int Hash(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> 33);

    private readonly bool IsPastHorizon(uint second) => (ulong)second + _horizonSeconds < _newest;

    private readonly uint OldestSecond() => _dense?.OldestSecond ?? _items[_head].Second;

    private void RemoveOldest()
    {
        _count--;
        if (_dense is null)
        {
            _head = (_head + 1) % _items.Length;
            return;
        }

        _dense.RemoveOldest();
        if (_count <= HashFrom / 2)
        {
            // Back to the small layout (what a user pays for after a burst has passed the horizon).
            var (keys, seconds) = (new ulong[_count], new uint[_count]);
            _dense.CopyTo(keys, seconds);
            _dense = null;
            _items = new Entry[Math.Min(Math.Max(InitialSize, (int)BitOperations.RoundUpToPowerOf2((uint)_count * 2)), _max)];
            for (var i = 0; i < keys.Length; i++)
            {
                _items[i] = new Entry(keys[i], seconds[i]);
            }

            _head = 0;
        }
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
    }

    private void ToDense()
    {
        var dense = new Dense(Math.Min(2 * HashFrom, _max));
        for (var i = 0; i < _count; i++)
        {
            var e = _items[(_head + i) % _items.Length];
            dense.Append(e.Key, e.Second, _max);
        }

        _dense = dense;
        _items = [];
        _head = 0;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private readonly record struct Entry(ulong Key, uint Second);
}
