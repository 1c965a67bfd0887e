using System.Collections.Concurrent;

namespace ActorRec.Recommender.Retrieval;

/// <summary>
/// Nearest neighbours of a video, cached per catalog row. The similar path asks for the neighbours of each user's
/// recent videos; popular videos are the recent videos of many users and their neighbourhoods move slowly (one
/// learning step at a time), so one index search serves many feeds.
/// <para>
/// <b>When an entry is dropped.</b> An entry remembers the seed's index version (<see cref="IRowVersionedIndex"/>):
/// once the index re-indexes the seed (its embedding drifted past the re-index threshold, or it was removed and
/// re-added), the version moves and the entry is stale at once. What the version cannot see is the other videos
/// drifting into or out of the neighbourhood; similar-cache-ttl bounds that. An index without versions (the exact
/// scan) gives every row version 0, so there the TTL alone applies.
/// </para>
/// <para>
/// Entries are immutable arrays; a stale list only costs relevance, never correctness, because every candidate still
/// passes the retrieval filters (moderation included). Bounded: past the capacity the cache is cleared, a cheap and
/// deterministic eviction for a cache whose entries all expire within the TTL anyway.
/// </para>
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

    /// <summary>The version of <paramref name="row"/> in <paramref name="index"/> (0 when it keeps none).</summary>
    public static int VersionOf(IVideoIndex index, int row) => index is IRowVersionedIndex versioned ? versioned.RowVersion(row) : 0;

    /// <summary>
    /// A cached list of at least <paramref name="k"/> neighbours younger than the TTL and computed at the seed's
    /// current index <paramref name="version"/>, if any.
    /// </summary>
    public bool TryGet(int row, int k, DateTimeOffset now, int version, out int[] rows, out float[] scores)
    {
        if (_ttl > TimeSpan.Zero && _entries.TryGetValue(row, out var e) && Fresh(e, k, now, version))
        {
            rows = e.Rows;
            scores = e.Scores;
            return true;
        }

        rows = [];
        scores = [];
        return false;
    }

    /// <summary>Stores the neighbours of <paramref name="row"/> found by a search for <paramref name="asked"/> at its index <paramref name="version"/>.</summary>
    public void Put(int row, int asked, DateTimeOffset now, int version, int[] rows, float[] scores)
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

        _entries[row] = new Entry(now, asked, version, rows, scores);
    }

    /// <summary>
    /// Neighbours of <paramref name="row"/> (at least <paramref name="k"/> when the index has them), from the cache
    /// when a fresh entry holds enough of them (see the class remarks), else from <paramref name="index"/>.
    /// </summary>
    public (int[] Rows, float[] Scores) Get(IVideoIndex index, int row, ReadOnlySpan<float> embedding, int k, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(index);
        var version = VersionOf(index, row);
        if (TryGet(row, k, now, version, out var cachedRows, out var cachedScores))
        {
            return (cachedRows, cachedScores);
        }

        var rows = new int[k];
        var scores = new float[k];
        var n = index.Search(embedding, k, rows, scores);
        var found = (n == k ? rows : rows[..n], n == k ? scores : scores[..n]);
        Put(row, k, now, version, found.Item1, found.Item2);
        return found;
    }

    private bool Fresh(Entry e, int k, DateTimeOffset now, int version) =>
        e.Asked >= k && e.Version == version && now >= e.At && now - e.At < _ttl;

    private sealed record Entry(DateTimeOffset At, int Asked, int Version, int[] Rows, float[] Scores);
}
