using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Tests.Retrieval;

public sealed class ExactVideoIndexTests
{
    [Fact]
    public void Top_k_matches_a_brute_force_sort_and_honours_removals()
    {
        const int dim = 16;
        var rng = new Random(5);
        var index = new ExactVideoIndex(dim, initialCapacity: 4);
        var vectors = new float[500][];
        for (var r = 0; r < vectors.Length; r++)
        {
            vectors[r] = Enumerable.Range(0, dim).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
            index.Upsert(r, vectors[r]);
        }

        for (var r = 0; r < 500; r += 7)
        {
            index.Remove(r);
        }

        var query = Enumerable.Range(0, dim).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var rows = new int[20];
        var scores = new float[20];
        var n = index.Search(query, 20, rows, scores);
        Assert.Equal(20, n);
        var expected = Enumerable.Range(0, 500).Where(r => r % 7 != 0)
            .Select(r => (Row: r, Score: vectors[r].Zip(query, (a, b) => (double)a * b).Sum()))
            .OrderByDescending(x => x.Score).Take(20).Select(x => x.Row).ToArray();
        Assert.Equal(expected, rows);
        for (var i = 1; i < n; i++)
        {
            Assert.True(scores[i - 1] >= scores[i]);
        }

        Assert.Equal(500 - 72, index.LiveCount);
    }

    [Fact]
    public void Fewer_rows_than_k_returns_all()
    {
        var index = new ExactVideoIndex(2);
        index.Upsert(0, [1, 0]);
        index.Upsert(3, [0, 1]);
        var rows = new int[10];
        var scores = new float[10];
        Assert.Equal(2, index.Search([1, 0.5f], 10, rows, scores));
        Assert.Equal([0, 3], rows[..2]);
        Assert.Throws<ArgumentException>(() => index.Search([1, 2, 3], 1, rows, scores));
    }

    [Fact]
    public void Top_k_breaks_ties_by_row()
    {
        Span<int> rows = stackalloc int[3];
        Span<float> scores = stackalloc float[3];
        var top = new TopK(rows, scores);
        foreach (var r in new[] { 9, 4, 7, 1, 8 })
        {
            top.Offer(r, 1f);
        }

        Assert.Equal(3, top.Drain());
        Assert.Equal([1, 4, 7], rows.ToArray());
    }
}

public sealed class ExactVideoIndexMultiQueryTests
{
    [Fact]
    public void Search_many_equals_one_search_per_query()
    {
        const int dim = 8;
        var rng = new Random(11);
        var index = new ExactVideoIndex(dim);
        for (var r = 0; r < 300; r++)
        {
            index.Upsert(r, Enumerable.Range(0, dim).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray());
        }

        index.Remove(17);
        var queries = Enumerable.Range(0, 3 * dim).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        int[] k = [10, 0, 25];
        var rows = new int[35];
        var scores = new float[35];
        var counts = new int[3];
        index.SearchMany(queries, k, rows, scores, counts);
        Assert.Equal([10, 0, 25], counts);
        var offset = 0;
        for (var q = 0; q < 3; q++)
        {
            var single = new int[k[q]];
            var singleScores = new float[k[q]];
            var n = index.Search(queries.AsSpan(q * dim, dim), k[q], single, singleScores);
            Assert.Equal(single[..n], rows.AsSpan(offset, counts[q]).ToArray());
            Assert.Equal(singleScores[..n], scores.AsSpan(offset, counts[q]).ToArray());
            offset += k[q];
        }
    }
}
