using ActorRec.Recommender.Ann;

namespace ActorRec.Recommender.Tests.Ann;

public sealed class ExactScanTests
{
    [Fact]
    public void TopK_matches_a_full_sort()
    {
        const int dim = 8;
        var data = ClusteredVectors.Generate(500, dim, clusters: 5, noise: 0.3f, seed: 2);
        var query = ClusteredVectors.Generate(1, dim, clusters: 5, noise: 0.3f, seed: 2, sampleSeed: 3);
        var rows = new int[25];
        var scores = new float[25];

        var n = ExactScan.TopK(data, dim, query, 25, rows, scores);

        var expected = Enumerable.Range(0, 500)
            .Select(r => (Row: r, Score: data.AsSpan(r * dim, dim).ToArray().Zip(query, (a, b) => a * b).Sum()))
            .OrderByDescending(x => x.Score)
            .Take(25)
            .Select(x => x.Row)
            .ToArray();
        Assert.Equal(25, n);
        Assert.Equal(expected, rows);
        for (var i = 1; i < n; i++)
        {
            Assert.True(scores[i - 1] >= scores[i]);
        }
    }
}
