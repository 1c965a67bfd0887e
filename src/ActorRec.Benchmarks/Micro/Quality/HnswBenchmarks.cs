using ActorRec.Recommender.Ann;
using BenchmarkDotNet.Attributes;

namespace ActorRec.Benchmarks.Micro.Quality;

/// <summary>HNSW search against the exact scan on 20k clustered 64-d vectors (the macro figure at 100k is AnnBenchmark).</summary>
[MemoryDiagnoser]
public class HnswBenchmarks
{
    private const int Dim = 64;
    private const int N = 20_000;
    private HnswIndex _index = null!;
    private float[] _data = null!;
    private float[] _queries = null!;
    private readonly AnnHit[] _hits = new AnnHit[100];
    private readonly int[] _rows = new int[100];
    private readonly float[] _scores = new float[100];
    private int _next;

    [Params(10, 100)]
    public int K { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = ClusteredVectors.Generate(N, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed: 7);
        _queries = ClusteredVectors.Generate(256, Dim, clusters: 20, noise: 1f / MathF.Sqrt(Dim), seed: 7, sampleSeed: 1);
        _index = new HnswIndex(new HnswSettings(Dimension: Dim, Metric: AnnMetric.InnerProduct));
        for (var i = 0; i < N; i++)
        {
            _index.Insert(i, _data.AsSpan(i * Dim, Dim));
        }
    }

    [Benchmark]
    public int HnswSearch()
    {
        var q = _queries.AsSpan((_next++ & 255) * Dim, Dim);
        return _index.Search(q, K, _hits, ef: Math.Max(K, 100));
    }

    [Benchmark(Baseline = true)]
    public int ExactScanTopK()
    {
        var q = _queries.AsSpan((_next++ & 255) * Dim, Dim);
        return ExactScan.TopK(_data, Dim, q, K, _rows, _scores);
    }
}
