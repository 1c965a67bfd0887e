using ActorRec.Compute;
using ActorRec.Compute.Cpu;
using BenchmarkDotNet.Attributes;

namespace ActorRec.Benchmarks.Micro.Compute;

/// <summary>
/// Shared scoring (B queries × C gathered candidates) on every SIMD width of the CPU backend, single-threaded so
/// the kernel itself is measured; allocated bytes are reported (the serial path must allocate nothing).
/// </summary>
[MemoryDiagnoser]
public class ScoringKernelBenchmarks
{
    private CpuScoringBackend _backend = null!;
    private EmbeddingTable _table = null!;
    private float[] _queries = null!;
    private int[] _rows = null!;
    private float[] _scores = null!;

    [Params(SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar)]
    public SimdLevel Level { get; set; }

    [Params(64, 128)]
    public int Dimension { get; set; }

    [Params(1, 16, 256)]
    public int Batch { get; set; }

    [Params(10_000)]
    public int Candidates { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var level = Level;
        if (level == SimdLevel.Vector512 && CpuScoringBackend.BestLevel() != SimdLevel.Vector512)
        {
            level = CpuScoringBackend.BestLevel(); // not accelerated here: measure the best there is
        }

        _backend = new CpuScoringBackend(ComputeSettings.Default with { MaxThreads = 1 }, level);
        var rng = new Random(1);
        _table = new EmbeddingTable(Candidates * 4, Dimension);
        _table.SetAll(MicroData.Random(rng, Candidates * 4 * Dimension));
        _queries = MicroData.Random(rng, Batch * Dimension);
        _rows = MicroData.Sample(rng, Candidates, _table.Rows);
        _scores = new float[Batch * Candidates];
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    [Benchmark]
    public void ScoreShared() => _backend.ScoreShared(_queries, Batch, _table, _rows, _scores);
}

/// <summary>Per-query gathered scoring (each query its own candidates), the ranking actor's micro-batch shape.</summary>
[MemoryDiagnoser]
public class GatheredScoringBenchmarks
{
    private CpuScoringBackend _backend = null!;
    private EmbeddingTable _table = null!;
    private float[] _queries = null!;
    private int[] _rows = null!;
    private float[] _scores = null!;

    [Params(64, 128)]
    public int Dimension { get; set; }

    [Params(32, 256)]
    public int Batch { get; set; }

    [Params(500)]
    public int CandidatesPerQuery { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _backend = new CpuScoringBackend(ComputeSettings.Default with { MaxThreads = 1 });
        var rng = new Random(2);
        _table = new EmbeddingTable(100_000, Dimension);
        _table.SetAll(MicroData.Random(rng, 100_000 * Dimension));
        _queries = MicroData.Random(rng, Batch * Dimension);
        _rows = new int[Batch * CandidatesPerQuery];
        for (var i = 0; i < _rows.Length; i++)
        {
            _rows[i] = rng.Next(_table.Rows);
        }

        _scores = new float[Batch * CandidatesPerQuery];
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    [Benchmark]
    public void ScoreGathered() => _backend.ScoreGathered(_queries, Batch, _table, _rows, CandidatesPerQuery, _scores);
}

/// <summary>Dense layers of the ranking model (GEMM + bias + activation) and the exact top-K retrieval scan.</summary>
[MemoryDiagnoser]
public class DenseAndTopKBenchmarks
{
    private CpuScoringBackend _backend = null!;
    private float[] _input = null!;
    private float[] _weights = null!;
    private float[] _bias = null!;
    private float[] _output = null!;
    private EmbeddingTable _table = null!;
    private int[] _top = null!;
    private float[] _topScores = null!;

    [Params(SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Scalar)]
    public SimdLevel Level { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var level = Level == SimdLevel.Vector512 && CpuScoringBackend.BestLevel() != SimdLevel.Vector512 ? CpuScoringBackend.BestLevel() : Level;
        _backend = new CpuScoringBackend(ComputeSettings.Default with { MaxThreads = 1 }, level);
        var rng = new Random(3);
        _input = MicroData.Random(rng, 256 * 128);
        _weights = MicroData.Random(rng, 128 * 64);
        _bias = MicroData.Random(rng, 64);
        _output = new float[256 * 64];
        _table = new EmbeddingTable(100_000, 64);
        _table.SetAll(MicroData.Random(rng, 100_000 * 64));
        _top = new int[100];
        _topScores = new float[100];
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    /// <summary>256 × 128 input through a 128 → 64 layer with ReLU.</summary>
    [Benchmark]
    public void DenseRelu() => _backend.Dense(_input, _weights, _bias, _output, 256, 128, 64, Activation.Relu);

    [Benchmark]
    public void Sigmoid() => _backend.Sigmoid(_output);

    /// <summary>Top-100 of 100,000 rows of 64 dimensions (one retrieval scan).</summary>
    [Benchmark]
    public int TopK100Of100k() => _backend.TopK(_input.AsSpan(0, 64), _table, 100, _top, _topScores);
}

internal static class MicroData
{
    public static float[] Random(Random rng, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return values;
    }

    /// <summary>count distinct rows of [0, rows) in random order.</summary>
    public static int[] Sample(Random rng, int count, int rows)
    {
        var all = new int[rows];
        for (var i = 0; i < rows; i++)
        {
            all[i] = i;
        }

        rng.Shuffle(all);
        return all[..count];
    }
}
