using ActorRec.Compute.Cpu;
using ActorRec.Compute.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ActorRec.Compute.Tests;

public sealed class FallbackScoringBackendTests
{
    [Fact]
    public void A_failing_gpu_call_is_logged_answered_by_the_cpu_and_never_retried_on_the_gpu()
    {
        var gpu = new FaultInjectingBackend(failFromCall: 3);
        var logger = new ListLogger();
        using var backend = new FallbackScoringBackend(gpu, new CpuScoringBackend(ComputeSettings.Default), logger);
        var rng = new Random(3);
        var table = TestData.Table(rng, 100, 16);
        var query = TestData.Random(rng, 16);
        int[] rows = [1, 2, 3];
        var expected = new float[3];
        ScalarReference.ScoreShared(query, 1, table, rows, expected);

        for (var call = 1; call <= 5; call++)
        {
            var scores = new float[3];
            backend.ScoreShared(query, 1, table, rows, scores);
            for (var i = 0; i < 3; i++)
            {
                TestData.AssertClose(expected[i], scores[i], ScalarReference.DotMagnitude(query, table.GetRow(rows[i])), $"call {call} score {i}");
            }
        }

        Assert.True(backend.Degraded);
        Assert.Equal(3, gpu.Calls); // two good calls, the failing one, then never again
        Assert.True(gpu.Disposed);
        var error = Assert.Single(logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal(4002, error.Id.Id);
        Assert.Contains("ScoreShared", error.Message, StringComparison.Ordinal);
        Assert.IsType<Cuda.CudaException>(error.Error);
        Assert.Contains("degraded", backend.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_operation_degrades_on_a_fault()
    {
        var rng = new Random(4);
        var table = TestData.Table(rng, 20, 4);
        var operations = new Action<IScoringBackend>[]
        {
            b => b.ScoreGathered(new float[4], 1, table, [1, 2], 2, new float[2]),
            b => b.Gemm(new float[4], new float[4], new float[4], 2, 2, 2),
            b => b.Dense(new float[4], new float[4], new float[2], new float[4], 2, 2, 2, Activation.Sigmoid),
            b => b.AddBias(new float[4], new float[2], 2, 2),
            b => b.Relu(new float[4]),
            b => b.Sigmoid(new float[4]),
            b => Assert.Equal(2, b.TopK(new float[4], table, 2, new int[2], new float[2])),
        };

        foreach (var operation in operations)
        {
            var gpu = new FaultInjectingBackend(failFromCall: 1);
            using var backend = new FallbackScoringBackend(gpu, new CpuScoringBackend(ComputeSettings.Default), new ListLogger());
            operation(backend);
            Assert.True(backend.Degraded);
            Assert.True(gpu.Disposed);
        }
    }

    [Fact]
    public void Argument_errors_are_the_callers_and_do_not_degrade()
    {
        var gpu = new FaultInjectingBackend(failFromCall: int.MaxValue);
        using var backend = new FallbackScoringBackend(gpu, new CpuScoringBackend(ComputeSettings.Default), new ListLogger());
        var table = TestData.Table(new Random(5), 10, 4);
        Assert.Throws<ArgumentException>(() => backend.ScoreShared(new float[3], 1, table, [1], new float[1]));
        Assert.False(backend.Degraded);
    }

    [Fact]
    public async Task Concurrent_faults_degrade_once_and_every_caller_gets_an_answer()
    {
        var gpu = new FaultInjectingBackend(failFromCall: 5);
        var logger = new ListLogger();
        using var backend = new FallbackScoringBackend(gpu, new CpuScoringBackend(ComputeSettings.Default), logger);
        var table = TestData.Table(new Random(6), 50, 8);
        var tasks = new Task[8];
        for (var t = 0; t < tasks.Length; t++)
        {
            tasks[t] = Task.Run(() =>
            {
                for (var i = 0; i < 20; i++)
                {
                    var scores = new float[2];
                    backend.ScoreShared(new float[] { 1, 0, 0, 0, 0, 0, 0, 0 }, 1, table, [3, 4], scores);
                    Assert.Equal(table.GetRow(3)[0], scores[0], 1e-6f);
                }
            });
        }

        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(backend.Degraded);
        Assert.Single(logger.Entries, e => e.Level == LogLevel.Error);
    }
}
