using System.Collections.Concurrent;

namespace ActorRec.Recommender.Retrieval;

/// <summary>
/// Nearest neighbours of a video, cached per catalog row for similar-cache-ttl. The similar path asks for the
/// neighbours of each user's recent videos; popular videos are the recent videos of many users and their
/// neighbourhoods move slowly (one learning step at a time), so one index search serves many feeds. Entries are
/// immutable arrays; a stale list only costs relevance, never correctness, because every candidate still passes the
/// retrieval filters (moderation included). Bounded: past the capacity the cache is cleared, a cheap and
/// deterministic eviction for a cache whose entries all expire within the TTL anyway.
/// </summary>
public sealed class SimilarVideosCache
{
    private readonly ConcurrentDictionary<int, Entry> _entries = new();
    private readonly TimeSpan _ttl;
    private readonly int _capacity;

    public SimilarVideosCache(TimeSpan ttl, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ttl = ttl;
        _capacity = capacity;
    }

    public int Count => _entries.Count;

    /// <summary>A cached list of at least <paramref name="k"/> neighbours younger than the TTL, if any.</summary>
    public bool TryGet(int row, int k, DateTimeOffset now, out int[] rows, out float[] scores)
    {
        if (_ttl > TimeSpan.Zero && _entries.TryGetValue(row, out var e) && e.Asked >= k && now >= e.At && now - e.At < _ttl)
        {
            rows = e.Rows;
            scores = e.Scores;
            return true;
        }

        rows = [];
        scores = [];
        return false;
    }

    /// <summary>Stores the neighbours of <paramref name="row"/> found by a search for <paramref name="asked"/>.</summary>
    public void Put(int row, int asked, DateTimeOffset now, int[] rows, float[] scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(scores);
        if (_ttl <= TimeSpan.Zero)
        {
            return;
        }

        if (_entries.Count >= _capacity)
        {
            _entries.Clear();
        }

        _entries[row] = new Entry(now, asked, rows, scores);
    }

    /// <summary>
    /// Neighbours of <paramref name="row"/> (at least <paramref name="k"/> when the index has them), from the cache
    /// when an entry younger than the TTL holds enough of them, else from <paramref name="index"/>.
    /// </summary>
    public (int[] Rows, float[] Scores) Get(IVideoIndex index, int row, ReadOnlySpan<float> embedding, int k, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (_ttl > TimeSpan.Zero && _entries.TryGetValue(row, out var e) && e.Asked >= k
            && now >= e.At && now - e.At < _ttl)
        {
            return (e.Rows, e.Scores);
        }

        var rows = new int[k];
        var scores = new float[k];
        var n = index.Search(embedding, k, rows, scores);
        var entry = new Entry(now, k, n == k ? rows : rows[..n], n == k ? scores : scores[..n]);
        if (_ttl > TimeSpan.Zero)
        {
            if (_entries.Count >= _capacity)
            {
                _entries.Clear();
            }

            _entries[row] = entry;
        }

        return (entry.Rows, entry.Scores);
    }

    private sealed record Entry(DateTimeOffset At, int Asked, int[] Rows, float[] Scores);
}
