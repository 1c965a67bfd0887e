using ActorRec.Compute.Tests.Support;

namespace ActorRec.Compute.Tests;

/// <summary>
/// The contract every <see cref="IScoringBackend"/> passes: results equal <see cref="ScalarReference"/> within 1e-4
/// relative (to Σ|terms| for sums), on random shapes and edge cases (empty batch, B = 1, C = 1, dimension 1,
/// dimensions that are not a multiple of any vector width), the same argument errors, and table updates seen by the
/// next call. Subclasses supply the backend; a class marked <see cref="RequiresCudaAttribute"/> is skipped with the
/// reason when no device is present.
/// </summary>
public abstract class ScoringBackendContract : IDisposable
{
    private readonly Lazy<IScoringBackend> _backend;

    protected ScoringBackendContract() => _backend = new Lazy<IScoringBackend>(CreateBackend);

    protected IScoringBackend Backend => _backend.Value;

    public void Dispose()
    {
        if (_backend.IsValueCreated)
        {
            _backend.Value.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    protected abstract IScoringBackend CreateBackend();

    /// <summary>Relative tolerance of scores read from the embedding table (1e-4; wider for float16/bfloat16 storage).</summary>
    protected virtual double TableTolerance => 1e-4;

    public static TheoryData<int, int, int> SharedShapes() => new()
    {
        { 1, 1, 1 }, { 1, 1, 64 }, { 1, 7, 3 }, { 3, 1, 17 }, { 4, 9, 16 }, { 5, 33, 100 },
        { 17, 70, 128 }, { 64, 300, 64 }, { 1, 5000, 65 }, { 33, 40, 1 }, { 2, 3, 257 },
    };

    [BackendFact]
    public void ScoreShared_matches_reference_on_random_and_edge_shapes()
    {
        var rng = new Random(11);
        foreach (var (batch, candidates, dim) in Shapes())
        {
            var table = TestData.Table(rng, Math.Max(candidates, 50), dim);
            var queries = TestData.Random(rng, batch * dim);
            var rows = TestData.Rows(rng, candidates, table.Rows);
            var scores = new float[batch * candidates];
            Backend.ScoreShared(queries, batch, table, rows, scores);
            for (var b = 0; b < batch; b++)
            {
                for (var c = 0; c < candidates; c++)
                {
                    var q = queries.AsSpan(b * dim, dim);
                    var row = table.GetRow(rows[c]);
                    TestData.AssertClose(ScalarReference.Dot(q, row), scores[(b * candidates) + c], ScalarReference.DotMagnitude(q, row), $"B={batch} C={candidates} D={dim} score[{b},{c}]", TableTolerance);
                }
            }
        }
    }

    [BackendFact]
    public void ScoreGathered_matches_reference_on_random_and_edge_shapes()
    {
        var rng = new Random(12);
        foreach (var (batch, candidates, dim) in Shapes())
        {
            var table = TestData.Table(rng, 80, dim);
            var queries = TestData.Random(rng, batch * dim);
            var rows = TestData.Rows(rng, batch * candidates, table.Rows);
            var scores = new float[batch * candidates];
            var expected = new float[batch * candidates];
            Backend.ScoreGathered(queries, batch, table, rows, candidates, scores);
            ScalarReference.ScoreGathered(queries, batch, table, rows, candidates, expected);
            for (var i = 0; i < scores.Length; i++)
            {
                var q = queries.AsSpan(i / candidates * dim, dim);
                TestData.AssertClose(expected[i], scores[i], ScalarReference.DotMagnitude(q, table.GetRow(rows[i])), $"B={batch} C={candidates} D={dim} score[{i}]", TableTolerance);
            }
        }
    }

    [BackendFact]
    public void Empty_batch_and_empty_candidates_are_no_ops()
    {
        var table = TestData.Table(new Random(1), 10, 8);
        Backend.ScoreShared([], 0, table, [1, 2], []);
        Backend.ScoreShared(new float[16], 2, table, [], []);
        Backend.ScoreGathered([], 0, table, [], 3, []);
        Backend.ScoreGathered(new float[8], 1, table, [], 0, []);
        Backend.Gemm([], [], [], 0, 0, 0);
        Assert.Equal(0, Backend.TopK(new float[8], table, 0, [], []));
        Assert.Equal(0, Backend.TopK(new float[8], new EmbeddingTable(0, 8), 5, [], []));
    }

    [BackendFact]
    public void Scores_follow_table_updates()
    {
        var rng = new Random(13);
        var table = TestData.Table(rng, 200, 24);
        var query = TestData.Random(rng, 24);
        int[] rows = [0, 5, 199, 42];
        var scores = new float[4];
        Backend.ScoreShared(query, 1, table, rows, scores);

        // Change two of the scored rows (and one that is not scored); the next call must see the new values.
        table.SetRow(5, TestData.Random(rng, 24, 3f));
        table.SetRow(199, TestData.Random(rng, 24, 3f));
        table.SetRow(7, TestData.Random(rng, 24, 3f));
        Backend.ScoreShared(query, 1, table, rows, scores);
        for (var c = 0; c < rows.Length; c++)
        {
            var row = table.GetRow(rows[c]);
            TestData.AssertClose(ScalarReference.Dot(query, row), scores[c], ScalarReference.DotMagnitude(query, row), $"row {rows[c]} after update", TableTolerance);
        }

        var top = new int[3];
        var topScores = new float[3];
        Backend.TopK(query, table, 3, top, topScores);
        var expectedTop = new int[3];
        ScalarReference.TopK(query, table, 3, expectedTop, new float[3]);
        if (TableTolerance <= 1e-4)
        {
            Assert.Equal(expectedTop, top);
        }
    }

    [BackendFact]
    public void Gemm_matches_reference()
    {
        var rng = new Random(14);
        foreach (var (m, k, n) in new[] { (1, 1, 1), (1, 5, 1), (3, 7, 5), (16, 64, 64), (33, 17, 65), (128, 96, 48), (5, 0, 4), (2, 300, 3) })
        {
            var a = TestData.Random(rng, m * k);
            var b = TestData.Random(rng, k * n);
            var c = new float[m * n];
            var expected = new float[m * n];
            Backend.Gemm(a, b, c, m, k, n);
            ScalarReference.Gemm(a, b, expected, m, k, n);
            for (var i = 0; i < m; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    var magnitude = 0.0;
                    for (var p = 0; p < k; p++)
                    {
                        magnitude += Math.Abs((double)a[(i * k) + p] * b[(p * n) + j]);
                    }

                    TestData.AssertClose(expected[(i * n) + j], c[(i * n) + j], magnitude, $"m={m} k={k} n={n} c[{i},{j}]");
                }
            }
        }
    }

    [BackendFact]
    public void Dense_with_each_activation_matches_reference()
    {
        var rng = new Random(15);
        foreach (var activation in new[] { Activation.None, Activation.Relu, Activation.Sigmoid })
        {
            foreach (var (m, k, n) in new[] { (1, 3, 1), (7, 33, 19), (64, 128, 6) })
            {
                var input = TestData.Random(rng, m * k);
                var weights = TestData.Random(rng, k * n, 0.3f);
                var bias = TestData.Random(rng, n);
                var output = new float[m * n];
                var expected = new float[m * n];
                Backend.Dense(input, weights, bias, output, m, k, n, activation);
                ScalarReference.Dense(input, weights, bias, expected, m, k, n, activation);
                for (var i = 0; i < output.Length; i++)
                {
                    var row = i / n;
                    var col = i % n;
                    var magnitude = Math.Abs((double)bias[col]);
                    for (var p = 0; p < k; p++)
                    {
                        magnitude += Math.Abs((double)input[(row * k) + p] * weights[(p * n) + col]);
                    }

                    // Relu and sigmoid are 1-Lipschitz, so the pre-activation bound carries over.
                    TestData.AssertClose(expected[i], output[i], magnitude, $"{activation} m={m} k={k} n={n} out[{i}]");
                }
            }
        }
    }

    [BackendFact]
    public void Elementwise_ops_match_reference()
    {
        var rng = new Random(16);
        foreach (var length in new[] { 0, 1, 3, 16, 17, 100, 1025 })
        {
            var values = TestData.Random(rng, length, 8f);
            var relu = (float[])values.Clone();
            var sigmoid = (float[])values.Clone();
            var expectedRelu = (float[])values.Clone();
            var expectedSigmoid = (float[])values.Clone();
            Backend.Relu(relu);
            Backend.Sigmoid(sigmoid);
            ScalarReference.Relu(expectedRelu);
            ScalarReference.Sigmoid(expectedSigmoid);
            Assert.Equal(expectedRelu, relu);
            TestData.AssertRelative(expectedSigmoid, sigmoid, $"sigmoid n={length}");

            var columns = Math.Max(1, length % 7);
            var rows = length / columns;
            var matrix = values.AsSpan(0, rows * columns).ToArray();
            var expectedMatrix = (float[])matrix.Clone();
            var bias = TestData.Random(rng, columns);
            Backend.AddBias(matrix, bias, rows, columns);
            ScalarReference.AddBias(expectedMatrix, bias, rows, columns);
            Assert.Equal(expectedMatrix, matrix);
        }
    }

    [BackendFact]
    public void TopK_matches_reference_including_ties_and_k_beyond_rows()
    {
        var rng = new Random(17);
        foreach (var (rows, dim, k) in new[] { (1, 1, 1), (10, 3, 20), (1000, 64, 10), (5000, 17, 100), (300, 128, 1) })
        {
            var table = TestData.Table(rng, rows, dim);
            var query = TestData.Random(rng, dim);
            var count = Math.Min(k, rows);
            var top = new int[count];
            var scores = new float[count];
            var expectedTop = new int[count];
            var expectedScores = new float[count];
            Assert.Equal(count, Backend.TopK(query, table, k, top, scores));
            ScalarReference.TopK(query, table, k, expectedTop, expectedScores);
            for (var i = 0; i < count; i++)
            {
                var magnitude = ScalarReference.DotMagnitude(query, table.GetRow(top[i]));
                TestData.AssertClose(ScalarReference.Dot(query, table.GetRow(top[i])), scores[i], magnitude, $"top[{i}] score", TableTolerance);
                if (i > 0)
                {
                    Assert.True(scores[i - 1] >= scores[i], "scores descend");
                }
            }

            // Same set as the reference (exact storage only: reduced-precision storage may swap near-ties).
            if (TableTolerance <= 1e-4)
            {
                Assert.Equal(expectedTop.Order(), top.Order());
            }
        }

        // Exact ties: identical rows come out in row order.
        var tied = new EmbeddingTable(6, 4);
        float[] same = [1, 2, 3, 4];
        foreach (var r in new[] { 4, 1, 3 })
        {
            tied.SetRow(r, same);
        }

        var tiedTop = new int[3];
        Backend.TopK([1, 1, 1, 1], tied, 3, tiedTop, new float[3]);
        Assert.Equal([1, 3, 4], tiedTop);
    }

    [BackendFact]
    public void Bad_arguments_fail_with_the_argument_named()
    {
        var table = TestData.Table(new Random(18), 10, 8);
        var ex = Assert.Throws<ArgumentException>(() => Backend.ScoreShared(new float[7], 1, table, [1], new float[1]));
        Assert.Equal("queries", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => Backend.ScoreShared(new float[8], 1, table, [1, 2], new float[1]));
        Assert.Equal("scores", ex.ParamName);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => Backend.ScoreShared(new float[8], 1, table, [10], new float[1]));
        Assert.Equal("candidateRows", range.ParamName);
        ex = Assert.Throws<ArgumentException>(() => Backend.ScoreGathered(new float[8], 1, table, [1, 2, 3], 2, new float[2]));
        Assert.Equal("candidateRows", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => Backend.Gemm(new float[6], new float[6], new float[5], 2, 3, 2));
        Assert.Equal("c", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => Backend.Dense(new float[6], new float[6], new float[3], new float[4], 2, 3, 2, Activation.Relu));
        Assert.Equal("bias", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => Backend.TopK(new float[8], table, 3, new int[2], new float[3]));
        Assert.Equal("rows", ex.ParamName);
    }

    [BackendFact]
    public async Task Concurrent_callers_get_their_own_correct_results()
    {
        var table = TestData.Table(new Random(19), 2000, 48);
        var tasks = new Task[4];
        for (var t = 0; t < tasks.Length; t++)
        {
            var seed = t;
            tasks[t] = Task.Run(() =>
            {
                var rng = new Random(100 + seed);
                for (var round = 0; round < 10; round++)
                {
                    var batch = 1 + rng.Next(20);
                    var queries = TestData.Random(rng, batch * 48);
                    var rows = TestData.Rows(rng, 300, table.Rows);
                    var scores = new float[batch * 300];
                    var expected = new float[batch * 300];
                    Backend.ScoreShared(queries, batch, table, rows, scores);
                    ScalarReference.ScoreShared(queries, batch, table, rows, expected);
                    for (var i = 0; i < scores.Length; i++)
                    {
                        var q = queries.AsSpan(i / 300 * 48, 48);
                        TestData.AssertClose(expected[i], scores[i], ScalarReference.DotMagnitude(q, table.GetRow(rows[i % 300])), $"task {seed} round {round} score[{i}]", TableTolerance);
                    }
                }
            });
        }

        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2));
    }

    private static IEnumerable<(int Batch, int Candidates, int Dim)> Shapes()
    {
        foreach (var row in SharedShapes())
        {
            yield return ((int)row[0], (int)row[1], (int)row[2]);
        }

        var rng = new Random(99);
        for (var i = 0; i < 12; i++)
        {
            yield return (1 + rng.Next(40), 1 + rng.Next(400), 1 + rng.Next(200));
        }
    }
}
