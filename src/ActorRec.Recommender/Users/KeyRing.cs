namespace ActorRec.Recommender.Users;

/// <summary>
/// The last <c>capacity</c> 64-bit keys, oldest overwritten; linear lookup (capacities are small). The array starts
/// empty and doubles (from 4) up to the capacity, so a user with few events pays for few keys; it wraps only once at
/// full capacity, so growing never reorders keys. A mutable struct held in a (non-readonly) field of its owner, so
/// that a user's ring of recent videos costs no object of its own; never copy one (a copy shares the array but not the cursor).
/// </summary>
public struct KeyRing
{
    private const int InitialSize = 4;
    private readonly int _capacity;
    private ulong[] _items = [];
    private int _next;
    private int _count;

    public KeyRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public readonly int Count => _count;

    public readonly int Capacity => _capacity;

    public void Add(ulong key)
    {
        if (_count == _items.Length && _items.Length < _capacity)
        {
            Array.Resize(ref _items, Math.Min(Math.Max(InitialSize, _items.Length * 2), _capacity));
            _next = _count;
        }

        _items[_next] = key;
        _next = (_next + 1) % _items.Length;
        _count = Math.Min(_count + 1, _items.Length);
    }

    public readonly bool Contains(ulong key)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_items[i] == key)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The keys, oldest first (for snapshots; re-adding them in order rebuilds the ring).</summary>
    public readonly ulong[] ToArray()
    {
        var result = new ulong[_count];
        for (var i = 0; i < _count; i++)
        {
            result[i] = Recent(_count - 1 - i);
        }

        return result;
    }

    /// <summary>The <paramref name="age"/>-th most recent key (0 = newest).</summary>
    public readonly ulong Recent(int age)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(age);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(age, _count);
        var i = _next - 1 - age;
        return _items[i < 0 ? i + _items.Length : i];
    }
}

/// <summary>
/// A small sorted set of 64-bit keys (follows, muted topics, blocked videos) with binary-search lookup. It starts
/// empty without an array; once it holds <c>maxEntries</c> keys, further keys are refused (the caller decides).
/// </summary>
public sealed class KeySet
{
    private ulong[] _keys = [];
    private int _count;

    public int Count => _count;

    public ReadOnlySpan<ulong> Keys => _keys.AsSpan(0, _count);

    public bool Contains(ulong key) => _count > 0 && _keys.AsSpan(0, _count).BinarySearch(key) >= 0;

    /// <summary>Adds <paramref name="key"/>; returns false when it was present.</summary>
    public bool Add(ulong key, int maxEntries)
    {
        var i = _keys.AsSpan(0, _count).BinarySearch(key);
        if (i >= 0)
        {
            return false;
        }

        i = ~i;
        if (_count >= maxEntries)
        {
            return false;
        }

        if (_count == _keys.Length)
        {
            Array.Resize(ref _keys, Math.Min(Math.Max(4, _keys.Length * 2), maxEntries));
        }

        Array.Copy(_keys, i, _keys, i + 1, _count - i);
        _keys[i] = key;
        _count++;
        return true;
    }

    public bool Remove(ulong key)
    {
        var i = _keys.AsSpan(0, _count).BinarySearch(key);
        if (i < 0)
        {
            return false;
        }

        Array.Copy(_keys, i + 1, _keys, i, _count - i - 1);
        _count--;
        return true;
    }
}
