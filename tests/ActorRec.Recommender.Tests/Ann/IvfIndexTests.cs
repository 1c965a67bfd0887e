using ActorRec.Recommender.Ann;

namespace ActorRec.Recommender.Tests.Ann;

public sealed class IvfIndexTests
{
    private const int Dim = 64;

    private static (IvfIndex Index, float[] Data) Build(int n, int seed = 3, AnnMetric metric = AnnMetric.Cosine, int listSize = 128, int probes = 6)
    {
        var data = ClusteredVectors.Generate(n, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed);
        var index = new IvfIndex(IvfSettings.Create(Dim, metric, listSize, probes));
        for (var i = 0; i < n; i++)
        {
            index.Insert(i, data.AsSpan(i * Dim, Dim));
        }

        return (index, data);
    }

    private static HashSet<long> ExactTop(float[] data, ReadOnlySpan<float> query, int k, Func<long, bool>? alive = null)
    {
        var rows = new int[data.Length / Dim];
        var scores = new float[rows.Length];
        var n = ExactScan.TopK(data, Dim, query, rows.Length, rows, scores);
        var truth = new HashSet<long>();
        for (var j = 0; j < n && truth.Count < k; j++)
        {
            if (alive is null || alive(rows[j]))
            {
                truth.Add(rows[j]);
            }
        }

        return truth;
    }

    private static double Recall(IvfIndex index, float[] data, float[] queries, int k, Func<long, bool>? alive = null)
    {
        var found = 0;
        var total = 0;
        for (var q = 0; q < queries.Length / Dim; q++)
        {
            var query = queries.AsSpan(q * Dim, Dim);
            var truth = ExactTop(data, query, k, alive);
            foreach (var hit in index.Search(query, k))
            {
                found += truth.Contains(hit.Id) ? 1 : 0;
            }

            total += truth.Count;
        }

        return (double)found / total;
    }

    [Fact]
    public void Recall_at_100_against_exact_scan_is_at_least_095_on_a_fixed_seed()
    {
        var (index, data) = Build(10_000);
        var queries = ClusteredVectors.Generate(40, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed: 3, sampleSeed: 9);

        var recall = Recall(index, data, queries, 100);

        Assert.True(recall >= 0.95, $"recall@100 = {recall:F4}");
        Assert.Equal(10_000, index.Count);
        Assert.True(index.ListCount > 30, $"{index.ListCount} lists: the index should have trained as it grew");

        // Every live vector sits in exactly one list.
        var sizes = index.ListSizes();
        Assert.Equal(index.ListCount, sizes.Length);
        Assert.Equal(10_000, sizes.Sum());
        Assert.All(sizes, size => Assert.True(size >= 0));
    }

    [Fact]
    public void Below_four_lists_worth_it_is_one_flat_list_and_a_full_rerank_is_the_exact_answer()
    {
        var (index, data) = Build(500, listSize: 128);
        Assert.Equal(1, index.ListCount);
        var queries = ClusteredVectors.Generate(5, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed: 3, sampleSeed: 5);
        var rows = new int[500];
        var scores = new float[500];
        for (var q = 0; q < 5; q++)
        {
            var query = queries.AsSpan(q * Dim, Dim);
            ExactScan.TopK(data, Dim, query, 20, rows, scores);
            var hits = index.Search(query, 20, ef: 500);
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(rows[i], hits[i].Id);
                Assert.Equal(scores[i], hits[i].Score, 5);
            }
        }
    }

    [Fact]
    public void Inner_product_scores_are_the_exact_dot_products_best_first()
    {
        var (index, data) = Build(3_000, metric: AnnMetric.InnerProduct);
        var query = new float[Dim];
        for (var d = 0; d < Dim; d++)
        {
            query[d] = 2f * data[(17 * Dim) + d];
        }

        var hits = index.Search(query, 10);
        Assert.Equal(17, hits[0].Id);
        for (var i = 0; i < hits.Length; i++)
        {
            var expected = System.Numerics.Tensors.TensorPrimitives.Dot(query, data.AsSpan((int)hits[i].Id * Dim, Dim));
            Assert.Equal(expected, hits[i].Score, 4);
            Assert.True(i == 0 || hits[i - 1].Score >= hits[i].Score);
        }
    }

    [Fact]
    public void Same_seed_and_same_mutations_give_the_same_answers()
    {
        var (a, _) = Build(3_000);
        var (b, _) = Build(3_000);
        var queries = ClusteredVectors.Generate(10, Dim, clusters: 20, noise: 0.1f, seed: 3, sampleSeed: 4);
        for (var q = 0; q < 10; q++)
        {
            Assert.Equal(a.Search(queries.AsSpan(q * Dim, Dim), 20), b.Search(queries.AsSpan(q * Dim, Dim), 20));
        }
    }

    [Fact]
    public void An_update_moves_the_vector_to_its_new_neighbourhood()
    {
        var (index, data) = Build(4_000);
        var target = data.AsSpan(123 * Dim, Dim).ToArray();
        var before = index.Search(target, 5);
        Assert.Equal(123, before[0].Id);

        // Move id 7 onto a point of another neighbourhood (id 123's, nudged so it is nearest to its own copy).
        var moved = (float[])target.Clone();
        moved[0] += 0.05f;
        index.Update(7, moved);

        var near = index.Search(moved, 5);
        Assert.Equal(7, near[0].Id);
        // Wherever id 7 still shows up, it is scored as its new vector.
        var unit = (float[])moved.Clone();
        System.Numerics.Tensors.TensorPrimitives.Divide(unit, System.Numerics.Tensors.TensorPrimitives.Norm(unit), unit);
        var oldPlace = data.AsSpan(7 * Dim, Dim).ToArray();
        foreach (var hit in index.Search(oldPlace, 200))
        {
            if (hit.Id == 7)
            {
                Assert.Equal(System.Numerics.Tensors.TensorPrimitives.Dot(oldPlace, unit), hit.Score, 4);
            }
        }

        Assert.Equal(4_000, index.Count);
        Assert.True(index.Contains(7));
    }

    [Fact]
    public void Deleted_ids_are_never_returned_and_recall_holds_after_deleting_two_thirds()
    {
        var (index, data) = Build(6_000);
        var trainings = index.Trainings;
        var deleted = new HashSet<long>();
        for (var i = 0; i < 6_000; i++)
        {
            if (i % 3 != 0)
            {
                Assert.True(index.Delete(i));
                deleted.Add(i);
            }
        }

        Assert.False(index.Delete(1));
        Assert.False(index.Contains(1));
        Assert.Equal(2_000, index.Count);
        Assert.True(index.Trainings > trainings, "deleted slots outnumbering live ones should retrain (and reclaim) the lists");

        var queries = ClusteredVectors.Generate(20, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed: 3, sampleSeed: 11);
        for (var q = 0; q < 20; q++)
        {
            foreach (var hit in index.Search(queries.AsSpan(q * Dim, Dim), 50))
            {
                Assert.False(deleted.Contains(hit.Id), $"deleted id {hit.Id} returned");
            }
        }

        var recall = Recall(index, data, queries, 50, id => !deleted.Contains(id));
        Assert.True(recall >= 0.95, $"recall@50 after deletes = {recall:F4}");
    }

    [Fact]
    public void Upsert_inserts_then_updates_and_bad_input_names_what_is_wrong()
    {
        var index = new IvfIndex(new IvfSettings(Dimension: 4));
        index.Upsert(1, [1f, 0f, 0f, 0f]);
        index.Upsert(1, [0f, 1f, 0f, 0f]);
        Assert.Equal(1, index.Count);
        Assert.Equal(1, index.Search([0f, 1f, 0f, 0f], 1)[0].Id);

        Assert.Contains("length 3", Assert.Throws<ArgumentException>(() => index.Insert(2, [1f, 0f, 0f])).Message);
        Assert.Contains("already", Assert.Throws<ArgumentException>(() => index.Insert(1, [1f, 0f, 0f, 0f])).Message);
        Assert.Contains("zero vector", Assert.Throws<ArgumentException>(() => index.Insert(3, [0f, 0f, 0f, 0f])).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => index.Insert(3, [float.NaN, 0f, 0f, 0f])).Message);
        Assert.Throws<KeyNotFoundException>(() => index.Update(9, [1f, 0f, 0f, 0f]));
        Assert.Contains("length 2", Assert.Throws<ArgumentException>(() => index.Search([1f, 0f], 1)).Message);
        Assert.Empty(new IvfIndex(new IvfSettings(Dimension: 4)).Search([1f, 0f, 0f, 0f], 3));
    }

    [Theory]
    [InlineData(0, 256, 6, 2f, "ann.dimension")]
    [InlineData(64, 8, 6, 2f, "ann.ivf.list-size")]
    [InlineData(64, 256, 0, 2f, "ann.ivf.probes")]
    [InlineData(64, 256, 6, 0.5f, "ann.ivf.rerank")]
    public void Settings_name_the_bad_key(int dimension, int listSize, int probes, float rerank, string key)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => IvfSettings.Create(dimension, AnnMetric.Cosine, listSize, probes, rerank));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public async Task Searches_running_beside_a_writer_never_fail_and_never_return_an_id_twice()
    {
        var (index, data) = Build(3_000, listSize: 64);
        var queries = ClusteredVectors.Generate(16, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed: 3, sampleSeed: 13);
        using var stop = new CancellationTokenSource();
        var searches = 0;
        var reader = Task.Run(() =>
        {
            var hits = new AnnHit[30];
            var seen = new HashSet<long>();
            while (!stop.IsCancellationRequested)
            {
                var n = index.Search(queries.AsSpan(Volatile.Read(ref searches) % 16 * Dim, Dim), 30, hits);
                seen.Clear();
                for (var i = 0; i < n; i++)
                {
                    Assert.True(seen.Add(hits[i].Id), $"id {hits[i].Id} returned twice");
                    Assert.True(i == 0 || hits[i - 1].Score >= hits[i].Score);
                }

                Interlocked.Increment(ref searches);
            }
        });

        // The reader must overlap the writes (on 2 cores it may not even have started yet): every 500 rounds the
        // writer waits, on the counter and not on the clock, until the reader has finished one more search.
        var overlapped = 0;
        void AwaitReaderProgress()
        {
            var before = Volatile.Read(ref searches);
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref searches) > before || reader.IsCompleted, TimeSpan.FromSeconds(30)), "the reader made no progress");
            Assert.False(reader.IsFaulted, reader.Exception?.ToString());
            overlapped++;
        }

        // Moves across lists, deletes, re-inserts and growth past a retrain, all while the reader searches.
        var rng = new Random(5);
        for (var round = 0; round < 3_000; round++)
        {
            if (round % 500 == 0)
            {
                AwaitReaderProgress();
            }

            var id = rng.Next(3_000);
            var source = rng.Next(3_000);
            if (round % 5 == 0 && index.Delete(id))
            {
                continue;
            }

            index.Upsert(id, data.AsSpan(source * Dim, Dim));
            index.Upsert(3_000 + round, data.AsSpan(((source + 1) % 3_000) * Dim, Dim));
        }

        await stop.CancelAsync();
        await reader.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(6, overlapped);
        Assert.True(Volatile.Read(ref searches) >= 6);
    }
}
