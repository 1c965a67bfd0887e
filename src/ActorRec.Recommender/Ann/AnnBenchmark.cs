using System.Diagnostics;

namespace ActorRec.Recommender.Ann;

/// <summary>What <see cref="AnnBenchmark.Run"/> or <see cref="AnnBenchmark.RunIvf"/> measured.</summary>
/// <param name="Vectors">Indexed vectors.</param>
/// <param name="Dimension">Vector length.</param>
/// <param name="Queries">Queries timed (same set for both methods).</param>
/// <param name="K">Hits per query.</param>
/// <param name="Ef">Search width passed (HNSW: candidate list; IVF: candidates re-scored, 0 for k × rerank).</param>
/// <param name="RecallAtK">Mean fraction of the exact top-k the index returned.</param>
/// <param name="BuildSeconds">Wall time to insert every vector.</param>
/// <param name="ExactMicrosPerQuery">Median exact-scan time per query.</param>
/// <param name="AnnMicrosPerQuery">Median ANN time per query (HNSW after <see cref="HnswIndex.Compact"/>).</param>
/// <param name="EvaluationsPerQuery">Mean similarity evaluations of an HNSW search (the exact scan does one per vector).</param>
/// <param name="InsertOrderMicrosPerQuery">Median ANN time per query on the index as inserted (HNSW before compaction; IVF: the same index).</param>
/// <param name="SteadyExactMicrosPerQuery">Median exact-scan time per query when it answers blocks of 25 queries in a row.</param>
/// <param name="SteadyAnnMicrosPerQuery">Median ANN time per query (compacted HNSW, or IVF) when it answers blocks of 25 queries in a row.</param>
/// <param name="Index">The index measured: <c>hnsw</c> or <c>ivf</c>.</param>
/// <param name="Lists">IVF: inverted lists at measurement time; 0 for HNSW.</param>
public sealed record AnnBenchmarkResult(
    int Vectors,
    int Dimension,
    int Queries,
    int K,
    int Ef,
    double RecallAtK,
    double BuildSeconds,
    double ExactMicrosPerQuery,
    double AnnMicrosPerQuery,
    double EvaluationsPerQuery = 0,
    double InsertOrderMicrosPerQuery = 0,
    double SteadyExactMicrosPerQuery = 0,
    double SteadyAnnMicrosPerQuery = 0,
    string Index = "hnsw",
    int Lists = 0)
{
    /// <summary>Median exact-scan time over median HNSW time, per query.</summary>
    public double SpeedUp => ExactMicrosPerQuery / AnnMicrosPerQuery;

    /// <summary>The same ratio when each method answers blocks of queries in a row (its own working set stays cached).</summary>
    public double SteadySpeedUp => SteadyAnnMicrosPerQuery > 0 ? SteadyExactMicrosPerQuery / SteadyAnnMicrosPerQuery : 0;

    /// <inheritdoc />
    public override string ToString() =>
        FormattableString.Invariant(
            $"{Index} n={Vectors} dim={Dimension} queries={Queries} k={K} ef={Ef} lists={Lists}: recall@{K}={RecallAtK:F4} build={BuildSeconds:F1}s exact={ExactMicrosPerQuery:F1}us/query {Index}={AnnMicrosPerQuery:F1}us/query speed-up={SpeedUp:F1}x evaluations/query={EvaluationsPerQuery:F0} insert-order={InsertOrderMicrosPerQuery:F1}us/query steady: exact={SteadyExactMicrosPerQuery:F1}us {Index}={SteadyAnnMicrosPerQuery:F1}us speed-up={SteadySpeedUp:F1}x");
}

/// <summary>
/// Macro measurement of the ANN index against the exact scan on a clustered data set: recall@k and the
/// per-query speed-up, both single-threaded on the same queries. Behind <c>actorrec bench ann</c>.
/// </summary>
public static class AnnBenchmark
{
    /// <summary>Builds an HNSW index over <paramref name="n"/> clustered vectors and measures it.</summary>
    public static AnnBenchmarkResult Run(int n = 100_000, int dim = 64, int queries = 300, int k = 100, int ef = 100, HnswSettings? settings = null, int seed = 7)
    {
        // Cosine, as the served video index links: the data set is unit vectors, so the exact inner-product scan
        // ranks exactly as cosine does and stays the ground truth.
        var index = new HnswIndex((settings ?? new HnswSettings()) with { Dimension = dim, Metric = AnnMetric.Cosine });
        return Measure(index, static built => ((HnswIndex)built).Compact(), "hnsw", n, dim, queries, k, ef, seed);
    }

    /// <summary>Builds an IVF index over <paramref name="n"/> clustered vectors and measures it (ef 0: k × rerank candidates).</summary>
    public static AnnBenchmarkResult RunIvf(int n = 100_000, int dim = 64, int queries = 300, int k = 100, int ef = 0, IvfSettings? settings = null, int seed = 7)
    {
        var index = new IvfIndex((settings ?? new IvfSettings()) with { Dimension = dim, Metric = AnnMetric.Cosine });
        return Measure(index, static built => built, "ivf", n, dim, queries, k, ef, seed) with { Lists = index.ListCount };
    }

    /// <summary>
    /// Inserts the data set into <paramref name="index"/> one vector at a time (as a server would), lets
    /// <paramref name="prepare"/> make the copy that is timed (HNSW: the locality-preserving compaction; IVF: the
    /// index itself, which keeps its lists in shape as it grows), and measures it against the exact scan.
    /// </summary>
    private static AnnBenchmarkResult Measure(IAnnIndex index, Func<IAnnIndex, IAnnIndex> prepare, string kind, int n, int dim, int queries, int k, int ef, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queries);
        var data = ClusteredVectors.Generate(n, dim, clusters: Math.Max(16, n / 1000), noise: 1f / MathF.Sqrt(dim), seed);
        var query = ClusteredVectors.Generate(queries, dim, clusters: Math.Max(16, n / 1000), noise: 1f / MathF.Sqrt(dim), seed, sampleSeed: 1);

        var build = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            index.Upsert(i, data.AsSpan(i * dim, dim));
        }

        build.Stop();
        var compacted = prepare(index);

        // Exact and HNSW run alternately query by query and each query is timed on its own; the medians are
        // reported, so a burst of load from other processes on a shared machine hits both sides alike and
        // does not move the figure.
        var exactRows = new int[queries * k];
        var scores = new float[k];
        var hits = new AnnHit[queries * k];
        var exactTicks = new long[queries];
        var annTicks = new long[queries];
        var insertOrderTicks = new long[queries];
        var insertOrderHits = new AnnHit[k];
        var evaluations = 0L;
        for (var q = 0; q < queries; q++)
        {
            var t0 = Stopwatch.GetTimestamp();
            ExactScan.TopK(data, dim, query.AsSpan(q * dim, dim), k, exactRows.AsSpan(q * k, k), scores);
            var t1 = Stopwatch.GetTimestamp();
            var before = HnswIndex.EvaluationsOnThisThread;
            compacted.Search(query.AsSpan(q * dim, dim), k, hits.AsSpan(q * k, k), ef);
            var t2 = Stopwatch.GetTimestamp();
            evaluations += HnswIndex.EvaluationsOnThisThread - before;
            index.Search(query.AsSpan(q * dim, dim), k, insertOrderHits, ef);
            var t3 = Stopwatch.GetTimestamp();
            exactTicks[q] = t1 - t0;
            annTicks[q] = t2 - t1;
            insertOrderTicks[q] = t3 - t2;
        }

        // Steady state: each method answers a block of queries in a row, as a server would, so each keeps its
        // own working set in cache (the alternating loop above makes every HNSW query start cold behind a 25 MB scan).
        var blockExactTicks = new long[queries];
        var blockAnnTicks = new long[queries];
        const int Block = 25;
        for (var start = 0; start < queries; start += Block)
        {
            var end = Math.Min(queries, start + Block);
            for (var q = start; q < end; q++)
            {
                var t0 = Stopwatch.GetTimestamp();
                ExactScan.TopK(data, dim, query.AsSpan(q * dim, dim), k, exactRows.AsSpan(q * k, k), scores);
                blockExactTicks[q] = Stopwatch.GetTimestamp() - t0;
            }

            for (var q = start; q < end; q++)
            {
                var t0 = Stopwatch.GetTimestamp();
                compacted.Search(query.AsSpan(q * dim, dim), k, insertOrderHits, ef);
                blockAnnTicks[q] = Stopwatch.GetTimestamp() - t0;
            }
        }

        var found = 0L;
        var truth = new HashSet<long>(k);
        for (var q = 0; q < queries; q++)
        {
            truth.Clear();
            for (var j = 0; j < k; j++)
            {
                truth.Add(exactRows[(q * k) + j]);
            }

            for (var j = 0; j < k; j++)
            {
                if (truth.Contains(hits[(q * k) + j].Id))
                {
                    found++;
                }
            }
        }

        return new AnnBenchmarkResult(
            n,
            dim,
            queries,
            k,
            ef,
            (double)found / ((long)queries * k),
            build.Elapsed.TotalSeconds,
            MedianMicros(exactTicks),
            MedianMicros(annTicks),
            (double)evaluations / queries,
            MedianMicros(insertOrderTicks),
            MedianMicros(blockExactTicks),
            MedianMicros(blockAnnTicks),
            kind);
    }

    private static double MedianMicros(long[] ticks)
    {
        Array.Sort(ticks);
        return ticks[ticks.Length / 2] * 1_000_000.0 / Stopwatch.Frequency;
    }
}
