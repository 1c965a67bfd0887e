using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Tests.Retrieval;

public sealed class SimilarVideosCacheTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private sealed class CountingIndex : IVideoIndex
    {
        private readonly ExactVideoIndex _inner = new(2);

        public int Searches { get; private set; }

        public int Dimension => 2;

        public void Upsert(int row, ReadOnlySpan<float> embedding) => _inner.Upsert(row, embedding);

        public void Remove(int row) => _inner.Remove(row);

        public int Search(ReadOnlySpan<float> query, int k, Span<int> rows, Span<float> scores)
        {
            Searches++;
            return _inner.Search(query, k, rows, scores);
        }
    }

    [Fact]
    public void Reuses_neighbours_within_the_ttl_and_refreshes_after()
    {
        var index = new CountingIndex();
        for (var r = 0; r < 10; r++)
        {
            index.Upsert(r, [1f, r * 0.1f]);
        }

        var cache = new SimilarVideosCache(TimeSpan.FromSeconds(30), 100);
        var (rows, _) = cache.Get(index, 3, [1f, 0.3f], 4, T);
        Assert.Equal(4, rows.Length);
        Assert.Equal(1, index.Searches);
        Assert.Equal(rows, cache.Get(index, 3, [1f, 0.3f], 4, T.AddSeconds(29)).Rows);
        Assert.Equal(1, index.Searches);
        cache.Get(index, 3, [1f, 0.3f], 6, T.AddSeconds(29));
        Assert.Equal(2, index.Searches);
        index.Remove(9);
        var (fresh, _) = cache.Get(index, 3, [1f, 0.3f], 6, T.AddSeconds(60));
        Assert.Equal(3, index.Searches);
        Assert.DoesNotContain(9, fresh);
    }

    private sealed class VersionedIndex : IVideoIndex, IRowVersionedIndex
    {
        private readonly ExactVideoIndex _inner = new(2);
        private readonly Dictionary<int, int> _versions = [];

        public int Searches { get; private set; }

        public int Dimension => 2;

        public void Upsert(int row, ReadOnlySpan<float> embedding)
        {
            _inner.Upsert(row, embedding);
            _versions[row] = RowVersion(row) + 1;
        }

        public void Remove(int row)
        {
            _inner.Remove(row);
            _versions[row] = RowVersion(row) + 1;
        }

        public int RowVersion(int row) => _versions.GetValueOrDefault(row);

        public int Search(ReadOnlySpan<float> query, int k, Span<int> rows, Span<float> scores)
        {
            Searches++;
            return _inner.Search(query, k, rows, scores);
        }
    }

    [Fact]
    public void An_entry_is_dropped_within_the_ttl_once_the_index_re_indexes_its_seed()
    {
        var index = new VersionedIndex();
        for (var r = 0; r < 10; r++)
        {
            index.Upsert(r, [1f, r * 0.1f]);
        }

        var cache = new SimilarVideosCache(TimeSpan.FromMinutes(2), 100);
        cache.Get(index, 3, [1f, 0.3f], 4, T);
        cache.Get(index, 3, [1f, 0.3f], 4, T.AddSeconds(90));
        Assert.Equal(1, index.Searches);

        // Another row changing does not touch row 3's entry; row 3 itself re-indexed does.
        index.Upsert(8, [1f, 0.31f]);
        cache.Get(index, 3, [1f, 0.3f], 4, T.AddSeconds(91));
        Assert.Equal(1, index.Searches);
        Assert.False(cache.TryGet(3, 4, T.AddSeconds(91), index.RowVersion(3) + 1, out _, out _));

        index.Upsert(3, [0f, 1f]);
        var (rows, _) = cache.Get(index, 3, [0f, 1f], 4, T.AddSeconds(92));
        Assert.Equal(2, index.Searches);
        Assert.Equal(3, rows[0]);
        Assert.True(cache.TryGet(3, 4, T.AddSeconds(93), index.RowVersion(3), out var cached, out _));
        Assert.Equal(rows, cached);
        Assert.Equal(index.RowVersion(3), SimilarVideosCache.VersionOf(index, 3));
        Assert.Equal(0, SimilarVideosCache.VersionOf(new ExactVideoIndex(2), 3));
    }

    [Fact]
    public void Zero_ttl_never_caches_and_capacity_bounds_the_size()
    {
        var index = new CountingIndex();
        index.Upsert(0, [1f, 0f]);
        var off = new SimilarVideosCache(TimeSpan.Zero, 10);
        off.Get(index, 0, [1f, 0f], 1, T);
        off.Get(index, 0, [1f, 0f], 1, T);
        Assert.Equal(2, index.Searches);
        Assert.Equal(0, off.Count);

        var small = new SimilarVideosCache(TimeSpan.FromMinutes(1), 3);
        for (var r = 0; r < 10; r++)
        {
            small.Get(index, r, [1f, 0f], 1, T);
            Assert.True(small.Count <= 3);
        }
    }
}
