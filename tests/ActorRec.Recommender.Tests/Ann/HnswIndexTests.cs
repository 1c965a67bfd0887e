using ActorRec.Recommender.Ann;

namespace ActorRec.Recommender.Tests.Ann;

public sealed class HnswIndexTests
{
    private const int Dim = 64;

    private static (HnswIndex Index, float[] Data) Build(int n, int seed = 3, AnnMetric metric = AnnMetric.InnerProduct)
    {
        var data = ClusteredVectors.Generate(n, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed);
        var index = new HnswIndex(new HnswSettings(Dimension: Dim, Metric: metric, EfConstruction: 100));
        for (var i = 0; i < n; i++)
        {
            index.Insert(i, data.AsSpan(i * Dim, Dim));
        }

        return (index, data);
    }

    private static double Recall(HnswIndex index, float[] data, float[] queries, int k, Func<long, bool>? alive = null)
    {
        var rows = new int[data.Length / Dim];
        var scores = new float[rows.Length];
        var found = 0;
        var total = 0;
        var queryCount = queries.Length / Dim;
        for (var q = 0; q < queryCount; q++)
        {
            var query = queries.AsSpan(q * Dim, Dim);
            var n = ExactScan.TopK(data, Dim, query, rows.Length, rows, scores);
            var truth = new HashSet<long>();
            for (var j = 0; j < n && truth.Count < k; j++)
            {
                if (alive is null || alive(rows[j]))
                {
                    truth.Add(rows[j]);
                }
            }

            foreach (var hit in index.Search(query, k, ef: 128))
            {
                found += truth.Contains(hit.Id) ? 1 : 0;
            }

            total += truth.Count;
        }

        return (double)found / total;
    }

    [Fact]
    public void Recall_at_100_against_exact_scan_is_at_least_095()
    {
        var (index, data) = Build(10_000);
        var queries = ClusteredVectors.Generate(40, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed: 3, sampleSeed: 9);

        var recall = Recall(index, data, queries, 100);

        Assert.True(recall >= 0.95, $"recall@100 = {recall:F4}");
        Assert.Equal(10_000, index.Count);
    }

    [Fact]
    public void Same_seed_and_same_inserts_give_the_same_answers()
    {
        var (a, _) = Build(2_000);
        var (b, _) = Build(2_000);
        var queries = ClusteredVectors.Generate(10, Dim, clusters: 20, noise: 0.1f, seed: 3, sampleSeed: 4);
        for (var q = 0; q < 10; q++)
        {
            Assert.Equal(a.Search(queries.AsSpan(q * Dim, Dim), 20), b.Search(queries.AsSpan(q * Dim, Dim), 20));
        }
    }

    [Fact]
    public void Deleted_ids_are_never_returned_and_recall_holds_after_deleting_a_third()
    {
        var (index, data) = Build(6_000);
        var deleted = new HashSet<long>();
        for (var i = 0; i < 6_000; i += 3)
        {
            Assert.True(index.Delete(i));
            deleted.Add(i);
        }

        Assert.False(index.Delete(0));
        Assert.Equal(4_000, index.Count);
        var queries = ClusteredVectors.Generate(30, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed: 3, sampleSeed: 5);
        for (var q = 0; q < 30; q++)
        {
            foreach (var hit in index.Search(queries.AsSpan(q * Dim, Dim), 100))
            {
                Assert.DoesNotContain(hit.Id, deleted);
            }
        }

        var recall = Recall(index, data, queries, 100, id => !deleted.Contains(id));
        Assert.True(recall >= 0.95, $"recall@100 after deletes = {recall:F4}");
    }

    [Fact]
    public void Updated_vectors_are_found_at_their_new_place()
    {
        var (index, data) = Build(3_000);
        var random = new Random(1);
        var moved = new float[Dim];
        for (var i = 0; i < 200; i++)
        {
            var id = random.Next(3_000);
            var target = random.Next(3_000);
            data.AsSpan(target * Dim, Dim).CopyTo(moved);
            moved[i % Dim] += 0.5f;
            index.Update(id, moved);

            var top = index.Search(moved, 1)[0];
            Assert.Equal(id, top.Id);
        }

        Assert.Equal(3_000, index.Count);
    }

    [Fact]
    public void Cosine_metric_ranks_by_angle_not_by_length()
    {
        var index = new HnswIndex(new HnswSettings(Dimension: 2, Metric: AnnMetric.Cosine));
        index.Insert(1, [10f, 0f]);
        index.Insert(2, [0.1f, 0.1f]);
        index.Insert(3, [0f, 3f]);

        var hits = index.Search([1f, 0.9f], 3);

        Assert.Equal(2, hits[0].Id);
        Assert.InRange(hits[0].Score, 0.99f, 1.0001f);
    }

    [Fact]
    public void Bad_input_is_rejected_with_a_clear_message()
    {
        var index = new HnswIndex(new HnswSettings(Dimension: 4));
        Assert.Contains("length 3", Assert.Throws<ArgumentException>(() => index.Insert(1, [1f, 2f, 3f])).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => index.Insert(1, [1f, float.NaN, 0f, 0f])).Message);
        index.Insert(1, [1f, 0f, 0f, 0f]);
        Assert.Throws<ArgumentException>(() => index.Insert(1, [1f, 0f, 0f, 0f]));
        Assert.Throws<KeyNotFoundException>(() => index.Update(2, [1f, 0f, 0f, 0f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => HnswSettings.Create(m: 1));
        Assert.Empty(new HnswIndex(new HnswSettings(Dimension: 4)).Search([1f, 0f, 0f, 0f], 5));
    }

    [Fact]
    public async Task Searches_run_concurrently_with_inserts_updates_and_deletes()
    {
        var data = ClusteredVectors.Generate(5_000, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed: 8);
        var index = new HnswIndex(new HnswSettings(Dimension: Dim, Metric: AnnMetric.InnerProduct, EfConstruction: 64));
        for (var i = 0; i < 2_000; i++)
        {
            index.Insert(i, data.AsSpan(i * Dim, Dim));
        }

        // Ids 0..499 are deleted before the readers start: no search may ever return them.
        for (var i = 0; i < 500; i++)
        {
            index.Delete(i);
        }

        using var stop = new CancellationTokenSource();
        var searches = 0L;
        var readers = new Task[2];
        for (var r = 0; r < readers.Length; r++)
        {
            var seed = r;
            readers[r] = Task.Run(() =>
            {
                var random = new Random(seed);
                while (!stop.IsCancellationRequested)
                {
                    var q = random.Next(5_000);
                    foreach (var hit in index.Search(data.AsSpan(q * Dim, Dim), 10))
                    {
                        Assert.False(hit.Id < 500, $"deleted id {hit.Id} returned");
                        Assert.InRange(hit.Id, 0, 4_999);
                    }

                    Interlocked.Increment(ref searches);
                }
            });
        }

        var writer = Task.Run(() =>
        {
            try
            {
                for (var i = 2_000; i < 5_000; i++)
                {
                    index.Insert(i, data.AsSpan(i * Dim, Dim));
                    if (i % 10 == 0)
                    {
                        index.Update(i - 1_000, data.AsSpan((i * 31 % 2_000) * Dim, Dim));
                    }

                    if (i % 7 == 0)
                    {
                        index.Delete(i - 1_200);
                    }
                }
            }
            finally
            {
                stop.Cancel();
            }
        });

        await Task.WhenAll([writer, .. readers]).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(Interlocked.Read(ref searches) > 0);

        // After the storm every live vector is still findable as its own nearest neighbour.
        var misses = 0;
        for (var i = 4_000; i < 5_000; i++)
        {
            if (index.Contains(i) && index.Search(data.AsSpan(i * Dim, Dim), 1)[0].Id != i)
            {
                misses++;
            }
        }

        Assert.True(misses <= 10, $"{misses} of 1000 live vectors not found as their own nearest neighbour");
    }
}
