using ActorRec.Recommender.Ann;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Tests.Retrieval;

public sealed class HnswVideoIndexTests
{
    private const int Dim = 16;

    [Theory]
    [InlineData("hnsw")]
    [InlineData("ivf")]
    public void Finds_nearly_the_exact_top_k_with_exact_inner_product_scores_and_never_a_removed_row(string kind)
    {
        var rng = new Random(3);
        var index = kind == "hnsw"
            ? new HnswVideoIndex(HnswSettings.Create(Dim, AnnMetric.Cosine, 16, 64, 64), 0.02f)
            : new HnswVideoIndex(new IvfIndex(IvfSettings.Create(Dim, AnnMetric.Cosine, listSize: 64, probes: 16)), 0.02f, ef: 0);
        var exact = new ExactVideoIndex(Dim);
        var vectors = new float[2_000][];
        for (var r = 0; r < vectors.Length; r++)
        {
            vectors[r] = Unit(rng);
            index.Upsert(r, vectors[r]);
            exact.Upsert(r, vectors[r]);
        }

        for (var r = 0; r < vectors.Length; r += 9)
        {
            index.Remove(r);
            exact.Remove(r);
        }

        var found = 0;
        var rows = new int[10];
        var scores = new float[10];
        var exactRows = new int[10];
        var exactScores = new float[10];
        for (var q = 0; q < 20; q++)
        {
            var query = Unit(rng);
            var n = index.Search(query, 10, rows, scores);
            Assert.Equal(10, n);
            exact.Search(query, 10, exactRows, exactScores);
            for (var i = 0; i < n; i++)
            {
                Assert.NotEqual(0, rows[i] % 9);
                Assert.Equal(Dot(query, vectors[rows[i]]), scores[i], 4);
                Assert.True(i == 0 || scores[i - 1] >= scores[i]);
                found += Array.IndexOf(exactRows, rows[i]) >= 0 ? 1 : 0;
            }
        }

        Assert.True(found >= 180, $"recall@10 {found / 200.0:P0} is below 90 %");
    }

    [Theory]
    [InlineData("hnsw")]
    [InlineData("ivf")]
    public void Scores_of_vectors_of_any_length_are_their_inner_products_with_the_query(string kind)
    {
        // The index ranks by cosine; the wrapper turns that into the inner product with the row's stored norm.
        var rng = new Random(8);
        var index = kind == "hnsw"
            ? new HnswVideoIndex(HnswSettings.Create(Dim, AnnMetric.Cosine, 16, 64, 64), 0.02f)
            : new HnswVideoIndex(new IvfIndex(IvfSettings.Create(Dim, AnnMetric.Cosine, listSize: 64, probes: 16)), 0.02f, ef: 0);
        var vectors = new float[500][];
        for (var r = 0; r < vectors.Length; r++)
        {
            vectors[r] = Unit(rng);
            var length = 0.2f + (3f * (float)rng.NextDouble());
            for (var d = 0; d < Dim; d++)
            {
                vectors[r][d] *= length;
            }

            index.Upsert(r, vectors[r]);
        }

        var rows = new int[20];
        var scores = new float[20];
        for (var q = 0; q < 10; q++)
        {
            var query = Unit(rng);
            for (var d = 0; d < Dim; d++)
            {
                query[d] *= 2.5f;
            }

            var n = index.Search(query, 20, rows, scores);
            Assert.Equal(20, n);
            for (var i = 0; i < n; i++)
            {
                var expected = Dot(query, vectors[rows[i]]);
                Assert.True(Math.Abs(expected - scores[i]) <= 1e-4f * Math.Max(1f, Math.Abs(expected)), $"row {rows[i]}: {scores[i]} vs {expected}");
                Assert.True(i == 0 || scores[i - 1] >= scores[i]);
            }
        }
    }

    [Fact]
    public void The_row_version_moves_when_the_row_is_re_indexed_or_removed_and_not_for_a_small_move()
    {
        var rng = new Random(9);
        var index = new HnswVideoIndex(new IvfIndex(IvfSettings.Create(Dim, AnnMetric.Cosine, listSize: 64, probes: 16)), 0.02f, ef: 0);
        Assert.Equal(0, index.RowVersion(3));
        Assert.Equal(0, index.RowVersion(100_000));
        var v = Unit(rng);
        index.Upsert(3, v);
        var first = index.RowVersion(3);
        Assert.NotEqual(0, first);

        var nudged = (float[])v.Clone();
        nudged[0] += 0.01f;
        index.Upsert(3, nudged);
        Assert.Equal(first, index.RowVersion(3));

        index.Upsert(3, Unit(rng));
        var second = index.RowVersion(3);
        Assert.NotEqual(first, second);

        index.Remove(3);
        Assert.NotEqual(second, index.RowVersion(3));
    }

    [Fact]
    public void A_small_move_keeps_the_node_and_a_large_one_relinks_it()
    {
        var rng = new Random(4);
        var index = new HnswVideoIndex(HnswSettings.Create(Dim, AnnMetric.Cosine, 8, 32, 32), 0.02f);
        for (var r = 0; r < 200; r++)
        {
            index.Upsert(r, Unit(rng));
        }

        Assert.Equal((200L, 0L), index.UpdateCounts);
        var target = Unit(rng);
        index.Upsert(7, target);
        Assert.Equal((201L, 0L), index.UpdateCounts);

        var nudged = (float[])target.Clone();
        nudged[0] += 0.01f;
        index.Upsert(7, nudged);
        Assert.Equal((201L, 1L), index.UpdateCounts);

        var rows = new int[1];
        var scores = new float[1];
        Assert.Equal(1, index.Search(target, 1, rows, scores));
        Assert.Equal(7, rows[0]);

        var elsewhere = Unit(rng);
        index.Upsert(7, elsewhere);
        Assert.Equal((202L, 1L), index.UpdateCounts);
        index.Search(elsewhere, 1, rows, scores);
        Assert.Equal(7, rows[0]);
    }

    [Fact]
    public void A_zero_vector_is_not_indexed_and_the_factory_honours_the_setting()
    {
        var index = new HnswVideoIndex(HnswSettings.Create(Dim, AnnMetric.Cosine, 8, 32, 32), 0.02f);
        var v = new float[Dim];
        v[0] = 1f;
        index.Upsert(0, v);
        index.Upsert(0, new float[Dim]);
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.Search(v, 5, new int[5], new float[5]));

        var settings = FeedSettings.Default;
        Assert.IsType<HnswVideoIndex>(VideoIndexes.Create(settings));
        Assert.IsType<HnswVideoIndex>(VideoIndexes.Create(settings with { Retrieval = settings.Retrieval with { Index = VideoIndexKind.Hnsw } }));
        Assert.IsType<ExactVideoIndex>(VideoIndexes.Create(settings with { Retrieval = settings.Retrieval with { Index = VideoIndexKind.Exact } }));
    }

    private static float[] Unit(Random rng)
    {
        var v = new float[Dim];
        var norm = 0.0;
        for (var i = 0; i < Dim; i++)
        {
            v[i] = (float)(rng.NextDouble() - 0.5);
            norm += v[i] * v[i];
        }

        for (var i = 0; i < Dim; i++)
        {
            v[i] /= (float)Math.Sqrt(norm);
        }

        return v;
    }

    private static float Dot(float[] a, float[] b)
    {
        var s = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }
}
