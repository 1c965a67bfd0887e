using ActorRec.Recommender.Domain;
using BenchmarkDotNet.Attributes;

namespace ActorRec.Benchmarks.Micro.Feed;

/// <summary>
/// A hot video's idempotency window in steady state: <see cref="Kept"/> ids within the 5-minute horizon, new ids
/// arriving in time order (each add is a lookup miss, one eviction by horizon and an insert), and lookups of kept
/// ids. The dense <see cref="AppliedIds"/> against the session-6 layout (<see cref="PreviousAppliedIds"/>).
/// Bytes per id are printed at setup (BenchmarkDotNet's log).
/// </summary>
[MemoryDiagnoser]
public class AppliedIdsBenchmarks
{
    private const int Ops = 1024;
    private const int HorizonSeconds = 300;
    private AppliedIds _dense;
    private PreviousAppliedIds _previous;
    private ulong[] _keys = null!;
    private long _next;

    [Params(2_000, 20_000)]
    public int Kept { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dense = new AppliedIds(256, TimeSpan.FromSeconds(HorizonSeconds), 65_536);
        _previous = new PreviousAppliedIds(256, TimeSpan.FromSeconds(HorizonSeconds), 65_536);
        _keys = new ulong[1 << 22];
        var random = new Random(5);
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = (ulong)random.NextInt64();
        }

        for (_next = 0; _next < 2L * Kept; _next++)
        {
            _dense.Add(_keys[_next], SecondOf(_next));
            _previous.Add(_keys[_next], SecondOf(_next));
        }

        Console.WriteLine($"// kept {_dense.Count}: dense {_dense.HeapBytes / (double)_dense.Count:0.0} B/id, previous {_previous.HeapBytes / (double)_previous.Count:0.0} B/id");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Ops)]
    public int PreviousAdd()
    {
        var added = 0;
        for (var i = 0; i < Ops; i++, _next++)
        {
            added += _previous.Add(_keys[_next & (_keys.Length - 1)], SecondOf(_next)) ? 1 : 0;
        }

        return added;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int DenseAdd()
    {
        var added = 0;
        for (var i = 0; i < Ops; i++, _next++)
        {
            added += _dense.Add(_keys[_next & (_keys.Length - 1)], SecondOf(_next)) ? 1 : 0;
        }

        return added;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int PreviousContainsHit()
    {
        var found = 0;
        for (var i = 1; i <= Ops; i++)
        {
            found += _previous.Contains(_keys[(_next - (i * 7 % Kept)) & (_keys.Length - 1)]) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int DenseContainsHit()
    {
        var found = 0;
        for (var i = 1; i <= Ops; i++)
        {
            found += _dense.Contains(_keys[(_next - (i * 7 % Kept)) & (_keys.Length - 1)]) ? 1 : 0;
        }

        return found;
    }

    // Kept ids spread evenly over the horizon: id n at second n * horizon / Kept.
    private uint SecondOf(long n) => 1_700_000_000u + (uint)(n * HorizonSeconds / Kept);
}
