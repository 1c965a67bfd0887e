using ActorRec.Compute.Cpu;
using ActorRec.Compute.Tests.Support;

namespace ActorRec.Compute.Tests;

public sealed class AllocationTests
{
    [Fact]
    public void Serial_scoring_and_dense_calls_allocate_nothing()
    {
        using var backend = new CpuScoringBackend(ComputeSettings.Default with { ParallelThreshold = long.MaxValue });
        var rng = new Random(9);
        var table = TestData.Table(rng, 1000, 64);
        var queries = TestData.Random(rng, 8 * 64);
        var rows = TestData.Rows(rng, 200, 1000);
        var scores = new float[8 * 200];
        var gathered = TestData.Rows(rng, 8 * 50, 1000);
        var gatheredScores = new float[8 * 50];
        var weights = TestData.Random(rng, 64 * 32);
        var bias = TestData.Random(rng, 32);
        var output = new float[8 * 32];
        var top = new int[10];
        var topScores = new float[10];

        void Calls()
        {
            backend.ScoreShared(queries, 8, table, rows, scores);
            backend.ScoreGathered(queries, 8, table, gathered, 50, gatheredScores);
            backend.Dense(queries, weights, bias, output, 8, 64, 32, Activation.Sigmoid);
            backend.TopK(queries.AsSpan(0, 64), table, 10, top, topScores);
        }

        Calls(); // warm up (JIT, array pool)
        var before = GC.GetAllocatedBytesForCurrentThread();
        Calls();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
