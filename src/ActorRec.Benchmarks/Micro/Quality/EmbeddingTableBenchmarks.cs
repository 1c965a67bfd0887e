using ActorRec.Recommender.Features;
using BenchmarkDotNet.Attributes;

namespace ActorRec.Benchmarks.Micro.Quality;

/// <summary>Lookups and mean pooling in the collisionless table at ~90% load.</summary>
[MemoryDiagnoser]
public class EmbeddingTableBenchmarks
{
    private CuckooEmbeddingTable _table = null!;
    private ulong[] _ids = null!;
    private readonly float[] _pooled = new float[16];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        const int slots = 1 << 18;
        _table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 16, InitialCapacity: slots, AdmissionThreshold: 1));
        var random = new Random(3);
        _ids = new ulong[(int)(slots * 0.9)];
        for (var i = 0; i < _ids.Length; i++)
        {
            _ids[i] = (ulong)random.NextInt64();
            _table.TryGetOrAdmit(_ids[i], out _);
        }
    }

    [Benchmark]
    public bool TryGet()
    {
        var id = _ids[_next++ % _ids.Length];
        return _table.TryGet(id, out _);
    }

    [Benchmark]
    public int MeanPoolOfFive()
    {
        var start = (_next += 5) % (_ids.Length - 5);
        return _table.MeanPool(_ids.AsSpan(start, 5), _pooled);
    }
}
