using ActorRec.Compute.Cpu;
using ActorRec.Compute.Cuda;

namespace ActorRec.Compute.Probe;

/// <summary>
/// The scoring backend contract, without a test framework, for machines that only get the published probe: every
/// operation against <see cref="ScalarReference"/> on random and edge shapes (1e-4 relative to Σ|terms|), table
/// updates reaching the device, and float16/bfloat16 storage within their own precision.
/// </summary>
internal static class ContractChecks
{
    public static int Run(string[] args, TextWriter output)
    {
        var backendName = args.Length >= 2 && args[0] == "--backend" ? args[1] : "cpu";
        var failures = 0;
        var checks = 0;
        void Check(bool ok, string what)
        {
            checks++;
            if (!ok)
            {
                failures++;
                output.WriteLine($"FAIL {what}");
            }
        }

        foreach (var precision in backendName == "cuda" ? new[] { StoragePrecision.Float32, StoragePrecision.Float16, StoragePrecision.BFloat16 } : [StoragePrecision.Float32])
        {
            var tolerance = precision switch { StoragePrecision.Float16 => 2e-3, StoragePrecision.BFloat16 => 1.6e-2, _ => 1e-4 };
            foreach (var useCublas in backendName == "cuda" ? new[] { true, false } : [false])
            {
                var settings = ComputeSettings.Default with { StoragePrecision = precision, UseCublas = useCublas, ParallelThreshold = 4096 };
                using IScoringBackend backend = backendName == "cuda" ? CudaScoringBackend.Create(settings) : new CpuScoringBackend(settings);
                output.WriteLine($"checking {backend.Name} (cuBLAS requested: {useCublas}), tolerance {tolerance:G2}");
                RunAll(backend, tolerance, Check);
            }
        }

        output.WriteLine(failures == 0 ? $"PASS {checks} checks" : $"{failures} of {checks} checks FAILED");
        return failures == 0 ? 0 : 1;
    }

    private static void RunAll(IScoringBackend backend, double tolerance, Action<bool, string> check)
    {
        var rng = new Random(5);
        (int B, int C, int D)[] shapes = [(1, 1, 1), (1, 7, 3), (3, 1, 17), (5, 33, 100), (17, 70, 128), (64, 300, 64), (1, 5000, 65), (33, 40, 1), (256, 2000, 128), (2, 3, 257)];
        foreach (var (b, c, d) in shapes)
        {
            var table = Table(rng, Math.Max(c, 50), d);
            var queries = Random(rng, b * d);
            var rows = Rows(rng, c, table.Rows);
            var scores = new float[b * c];
            backend.ScoreShared(queries, b, table, rows, scores);
            var ok = true;
            for (var i = 0; i < scores.Length && ok; i++)
            {
                ok = Close(queries.AsSpan(i / c * d, d), table.GetRow(rows[i % c]), scores[i], tolerance);
            }

            check(ok, $"ScoreShared B={b} C={c} D={d}");

            var gatheredRows = Rows(rng, b * c, table.Rows);
            backend.ScoreGathered(queries, b, table, gatheredRows, c, scores);
            ok = true;
            for (var i = 0; i < scores.Length && ok; i++)
            {
                ok = Close(queries.AsSpan(i / c * d, d), table.GetRow(gatheredRows[i]), scores[i], tolerance);
            }

            check(ok, $"ScoreGathered B={b} C={c} D={d}");

            // Incremental upload: change a few rows, score again.
            for (var u = 0; u < 3; u++)
            {
                table.SetRow(rows[rng.Next(c)], Random(rng, d, 2f));
            }

            backend.ScoreShared(queries, b, table, rows, scores);
            ok = true;
            for (var i = 0; i < scores.Length && ok; i++)
            {
                ok = Close(queries.AsSpan(i / c * d, d), table.GetRow(rows[i % c]), scores[i], tolerance);
            }

            check(ok, $"ScoreShared after row updates B={b} C={c} D={d}");

            var k = Math.Min(10, table.Rows);
            var top = new int[k];
            var topScores = new float[k];
            var expectedTop = new int[k];
            ScalarReference.TopK(queries.AsSpan(0, d), table, k, expectedTop, new float[k]);
            backend.TopK(queries.AsSpan(0, d), table, k, top, topScores);
            var sameScores = true;
            for (var i = 0; i < k; i++)
            {
                sameScores &= Close(queries.AsSpan(0, d), table.GetRow(expectedTop[i]), topScores[i], tolerance * 10);
            }

            check(sameScores, $"TopK k={k} rows={table.Rows} D={d}");
        }

        foreach (var (m, k, n) in new[] { (1, 1, 1), (3, 7, 5), (33, 17, 65), (128, 96, 48), (256, 512, 256) })
        {
            var a = Random(rng, m * k);
            var w = Random(rng, k * n, 0.3f);
            var bias = Random(rng, n);
            foreach (var activation in new[] { Activation.None, Activation.Relu, Activation.Sigmoid })
            {
                var output = new float[m * n];
                var expected = new float[m * n];
                backend.Dense(a, w, bias, output, m, k, n, activation);
                ScalarReference.Dense(a, w, bias, expected, m, k, n, activation);
                var ok = true;
                for (var i = 0; i < output.Length && ok; i++)
                {
                    var magnitude = Math.Abs((double)bias[i % n]);
                    for (var p = 0; p < k; p++)
                    {
                        magnitude += Math.Abs((double)a[(i / n * k) + p] * w[(p * n) + (i % n)]);
                    }

                    ok = Math.Abs(expected[i] - output[i]) <= (1e-4 * magnitude) + 1e-30;
                }

                check(ok, $"Dense {activation} m={m} k={k} n={n}");
            }
        }
    }

    private static bool Close(ReadOnlySpan<float> q, ReadOnlySpan<float> row, float actual, double tolerance) =>
        Math.Abs(ScalarReference.Dot(q, row) - actual) <= (tolerance * ScalarReference.DotMagnitude(q, row)) + 1e-30;

    private static EmbeddingTable Table(Random rng, int rows, int dim)
    {
        var table = new EmbeddingTable(rows, dim);
        table.SetAll(Random(rng, rows * dim));
        return table;
    }

    private static float[] Random(Random rng, int count, float scale = 1f)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1) * scale;
        }

        return values;
    }

    private static int[] Rows(Random rng, int count, int tableRows)
    {
        var rows = new int[count];
        for (var i = 0; i < count; i++)
        {
            rows[i] = rng.Next(tableRows);
        }

        return rows;
    }
}
