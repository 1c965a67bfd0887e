using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ActorRec.Benchmarks.Micro.Feed;

/// <summary>
/// The session-6 layout of <see cref="ActorRec.Recommender.Domain.AppliedIds"/> (a ring of 12-byte (id, second)
/// entries grown by doubling, plus a 32-bit slot table at most half full past 64 slots), kept unchanged as the
/// baseline of <see cref="AppliedIdsBenchmarks"/>. Not used by the product.
/// </summary>
internal struct PreviousAppliedIds
{
    /// <summary>Array slots beyond which lookups go through the hash table instead of a scan.</summary>
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

    // Slot number + 1 of each kept id, by hash (0: empty); null while the array has at most HashFrom slots.
    private int[]? _table;

    public PreviousAppliedIds(int window, TimeSpan horizon, int max)
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
        if (_table is not null)
        {
            return FindInTable(key) >= 0;
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

        var slot = (_head + _count) % _items.Length;
        _items[slot] = new Entry(key, second);
        _count++;
        if (_table is not null)
        {
            InsertInTable(slot);
        }

        return true;
    }

    /// <summary>The kept ids oldest first, with their event seconds (for snapshots: adding them in order rebuilds the window).</summary>
    /// <summary>Bytes of the ring and the table.</summary>
    public readonly long HeapBytes => (_items.Length == 0 ? 0 : 24 + ((_items.Length * 12L + 7) & ~7L)) + (_table is null ? 0 : 24 + (_table.Length * 4L));

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

    private static int Hash(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> 33);

    private void RemoveOldest()
    {
        if (_table is not null)
        {
            RemoveFromTable(FindInTable(_items[_head].Key));
        }

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
        _table = null;
        if (size > HashFrom)
        {
            // Slots moved: rebuild the table, at most half full.
            _table = new int[(int)BitOperations.RoundUpToPowerOf2((uint)size * 2)];
            for (var i = 0; i < _count; i++)
            {
                InsertInTable(i);
            }
        }
    }

    /// <summary>The table position holding <paramref name="key"/>'s slot, or -1.</summary>
    private readonly int FindInTable(ulong key)
    {
        var table = _table!;
        var mask = table.Length - 1;
        for (var i = Hash(key) & mask; table[i] != 0; i = (i + 1) & mask)
        {
            if (_items[table[i] - 1].Key == key)
            {
                return i;
            }
        }

        return -1;
    }

    private readonly void InsertInTable(int slot)
    {
        var table = _table!;
        var mask = table.Length - 1;
        var i = Hash(_items[slot].Key) & mask;
        while (table[i] != 0)
        {
            i = (i + 1) & mask;
        }

        table[i] = slot + 1;
    }

    // Linear-probing deletion: later entries of the same probe run shift back into the hole, so no tombstones.
    private readonly void RemoveFromTable(int hole)
    {
        Debug.Assert(hole >= 0, "a kept id is in the table");
        var table = _table!;
        var mask = table.Length - 1;
        var j = hole;
        while (true)
        {
            j = (j + 1) & mask;
            if (table[j] == 0)
            {
                break;
            }

            var home = Hash(_items[table[j] - 1].Key) & mask;
            var stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!stays)
            {
                table[hole] = table[j];
                hole = j;
            }
        }

        table[hole] = 0;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private readonly record struct Entry(ulong Key, uint Second);
}
