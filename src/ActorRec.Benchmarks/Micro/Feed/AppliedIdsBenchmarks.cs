using ActorRec.Recommender.Domain;
using BenchmarkDotNet.Attributes;

namespace ActorRec.Benchmarks.Micro.Feed;

/// <summary>
/// A hot video's idempotency window in steady state: <see cref="Kept"/> ids within the 5-minute horizon, new ids
/// arriving in time order (each add is a lookup miss, one eviction by horizon and an insert), and lookups of kept
/// ids. Bytes per id are printed at setup (BenchmarkDotNet's log). The session-7 comparison with the previous
/// layout (a 12-byte entry ring and a 32-bit slot table; git history before commit d116ef0) is in the README.
/// </summary>
[MemoryDiagnoser]
public class AppliedIdsBenchmarks
{
    private const int Ops = 1024;
    private const int HorizonSeconds = 300;
    private AppliedIds _ids;
    private ulong[] _keys = null!;
    private long _next;

    [Params(2_000, 20_000)]
    public int Kept { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ids = new AppliedIds(256, TimeSpan.FromSeconds(HorizonSeconds), 65_536);
        _keys = new ulong[1 << 22];
        var random = new Random(5);
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = (ulong)random.NextInt64();
        }

        for (_next = 0; _next < 2L * Kept; _next++)
        {
            _ids.Add(_keys[_next], SecondOf(_next));
        }

        Console.WriteLine($"// kept {_ids.Count}: {_ids.HeapBytes / (double)_ids.Count:0.0} B/id");
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int Add()
    {
        var added = 0;
        for (var i = 0; i < Ops; i++, _next++)
        {
            added += _ids.Add(_keys[_next & (_keys.Length - 1)], SecondOf(_next)) ? 1 : 0;
        }

        return added;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int ContainsHit()
    {
        var found = 0;
        for (var i = 1; i <= Ops; i++)
        {
            found += _ids.Contains(_keys[(_next - (i * 7 % Kept)) & (_keys.Length - 1)]) ? 1 : 0;
        }

        return found;
    }

    // Kept ids spread evenly over the horizon: id n at second n * horizon / Kept.
    private uint SecondOf(long n) => 1_700_000_000u + (uint)(n * HorizonSeconds / Kept);
}
