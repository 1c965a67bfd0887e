namespace ActorRec.Recommender.Videos;

/// <summary>
/// The last <c>capacity</c> distinct 64-bit keys with O(1) membership: a ring for eviction order plus a hash set.
/// Used for per-video idempotency, where windows are larger than a linear scan likes.
/// </summary>
public sealed class KeyRingSet
{
    private readonly ulong[] _ring;
    private readonly HashSet<ulong> _set;
    private int _next;

    public KeyRingSet(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new ulong[capacity];
        _set = new HashSet<ulong>(capacity);
    }

    public int Count => _set.Count;

    public bool Contains(ulong key) => _set.Contains(key);

    /// <summary>The keys, oldest first (for snapshots; re-adding them in order rebuilds the window).</summary>
    public ulong[] ToArray()
    {
        var result = new ulong[_set.Count];
        var n = 0;
        for (var i = 0; i < _ring.Length; i++)
        {
            var k = _ring[(_next + i) % _ring.Length];
            if (k != 0 && _set.Contains(k))
            {
                result[n++] = k;
            }
        }

        return n == result.Length ? result : result[..n];
    }

    /// <summary>Adds <paramref name="key"/>; false when it is already in the window.</summary>
    public bool Add(ulong key)
    {
        if (!_set.Add(key))
        {
            return false;
        }

        if (_set.Count > _ring.Length)
        {
            _set.Remove(_ring[_next]);
        }

        _ring[_next] = key;
        _next = (_next + 1) % _ring.Length;
        return true;
    }
}
