using ActorRec.Recommender.Ann;

namespace ActorRec.Recommender.Tests.Ann;

public sealed class HnswCompactTests
{
    private const int Dim = 32;

    [Fact]
    public void A_compacted_index_gives_the_same_answers_and_keeps_tombstones_out()
    {
        var data = ClusteredVectors.Generate(4_000, Dim, clusters: 10, noise: 1f / MathF.Sqrt(Dim), seed: 8);
        var index = new HnswIndex(new HnswSettings(Dimension: Dim, Metric: AnnMetric.InnerProduct, EfConstruction: 64));
        for (var i = 0; i < 4_000; i++)
        {
            index.Insert(i, data.AsSpan(i * Dim, Dim));
        }

        for (var i = 0; i < 4_000; i += 7)
        {
            index.Delete(i);
        }

        var compacted = index.Compact();

        Assert.Equal(index.Count, compacted.Count);
        Assert.Equal(index.NodeCount, compacted.NodeCount);
        Assert.False(compacted.Contains(7));
        Assert.True(compacted.Contains(8));
        var queries = ClusteredVectors.Generate(25, Dim, clusters: 10, noise: 1f / MathF.Sqrt(Dim), seed: 8, sampleSeed: 3);
        for (var q = 0; q < 25; q++)
        {
            var query = queries.AsSpan(q * Dim, Dim);
            var before = index.Search(query, 50, ef: 80);
            var after = compacted.Search(query, 50, ef: 80);

            // Same graph up to renumbering: the same hits with the same scores (ties may swap order).
            Assert.Equal(before.Select(h => h.Id).Order(), after.Select(h => h.Id).Order());
            Assert.All(after, h => Assert.NotEqual(0, h.Id % 7));
        }
    }

    [Fact]
    public void A_compacted_index_takes_inserts_updates_and_deletes()
    {
        var data = ClusteredVectors.Generate(1_500, Dim, clusters: 6, noise: 1f / MathF.Sqrt(Dim), seed: 2);
        var index = new HnswIndex(new HnswSettings(Dimension: Dim, Metric: AnnMetric.InnerProduct));
        for (var i = 0; i < 1_000; i++)
        {
            index.Insert(i, data.AsSpan(i * Dim, Dim));
        }

        var compacted = index.Compact();
        for (var i = 1_000; i < 1_500; i++)
        {
            compacted.Insert(i, data.AsSpan(i * Dim, Dim));
        }

        Assert.Equal(1_500, compacted.Count);
        Assert.Equal(1_200, compacted.Search(data.AsSpan(1_200 * Dim, Dim), 1)[0].Id);

        compacted.Update(5, data.AsSpan(1_300 * Dim, Dim));
        var top = compacted.Search(data.AsSpan(1_300 * Dim, Dim), 2).Select(h => h.Id).ToArray();
        Assert.Contains(5L, top);
        Assert.Contains(1_300L, top);

        Assert.True(compacted.Delete(1_300));
        Assert.DoesNotContain(1_300L, compacted.Search(data.AsSpan(1_300 * Dim, Dim), 10).Select(h => h.Id));
        Assert.Equal(1_000, index.Count);
    }

    [Fact]
    public void Compacting_an_empty_index_gives_an_empty_index()
    {
        var empty = new HnswIndex(new HnswSettings(Dimension: Dim)).Compact();
        Assert.Equal(0, empty.Count);
        Assert.Empty(empty.Search(new float[Dim].AsSpan(), 5).AsSpan().ToArray());
    }
}
