using ActorRec.Compute.Cpu;
using ActorRec.Compute.Cuda;
using ActorRec.Compute.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ActorRec.Compute.Tests;

public sealed class ScoringBackendFactoryTests
{
    private static readonly CudaAvailability Present = new(true, "driver 12.4, device #0 Fake H100", 12040, [new CudaDeviceInfo(0, "Fake H100", 80L << 30, 9, 0, 132)]);

    [Fact]
    public void Cpu_is_built_without_probing_cuda()
    {
        var logger = new ListLogger();
        using var backend = ScoringBackendFactory.Create(ComputeSettings.Default with { Backend = ComputeBackendKind.Cpu }, logger, _ => throw new InvalidOperationException("must not probe"), (_, _) => throw new InvalidOperationException("must not create"));
        Assert.IsType<CpuScoringBackend>(backend);
        Assert.Contains("configured", Assert.Single(logger.Entries).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_without_a_driver_picks_the_cpu_and_logs_why()
    {
        var logger = new ListLogger();
        using var backend = ScoringBackendFactory.Create(ComputeSettings.Default, logger, _ => CudaAvailability.Unavailable("libcuda.so.1 not found"), (_, _) => throw new InvalidOperationException("must not create"));
        Assert.IsType<CpuScoringBackend>(backend);
        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal(4000, entry.Id.Id);
        Assert.Contains("libcuda.so.1 not found", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_with_a_device_picks_cuda_wrapped_in_the_cpu_fallback()
    {
        var logger = new ListLogger();
        var gpu = new FaultInjectingBackend(int.MaxValue);
        using var backend = ScoringBackendFactory.Create(ComputeSettings.Default, logger, _ => Present, (_, _) => gpu);
        var fallback = Assert.IsType<FallbackScoringBackend>(backend);
        Assert.StartsWith("fake-gpu", fallback.Name, StringComparison.Ordinal);
        Assert.Contains("Fake H100", Assert.Single(logger.Entries).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_without_fallback_is_returned_bare()
    {
        var gpu = new FaultInjectingBackend(int.MaxValue);
        using var backend = ScoringBackendFactory.Create(ComputeSettings.Default with { Backend = ComputeBackendKind.Cuda, FallbackToCpu = false }, null, _ => Present, (_, _) => gpu);
        Assert.Same(gpu, backend);
    }

    [Fact]
    public void Cuda_requested_but_unavailable_is_a_clear_error()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ScoringBackendFactory.Create(ComputeSettings.Default with { Backend = ComputeBackendKind.Cuda }, null, _ => CudaAvailability.Unavailable("libcuda.so.1 not found"), (_, _) => throw new InvalidOperationException("must not create")));
        Assert.Contains("actorrec.compute.backend = cuda", ex.Message, StringComparison.Ordinal);
        Assert.Contains("libcuda.so.1 not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_falls_back_to_cpu_when_cuda_start_up_fails()
    {
        var logger = new ListLogger();
        using var backend = ScoringBackendFactory.Create(ComputeSettings.Default, logger, _ => Present, (_, _) => throw new CudaException("nvrtcCompileProgram", 6, "compilation failed"));
        Assert.IsType<CpuScoringBackend>(backend);
        Assert.Contains("nvrtcCompileProgram", Assert.Single(logger.Entries).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_probe_on_this_machine_gives_a_working_backend_either_way()
    {
        // Without a GPU (CI) this is the CPU; with one, CUDA behind the fallback. Either must score correctly.
        using var backend = ScoringBackendFactory.Create(ComputeSettings.Default, new ListLogger());
        var table = TestData.Table(new Random(7), 30, 5);
        var scores = new float[2];
        backend.ScoreShared(new float[] { 1, 0, 0, 0, 0 }, 1, table, [4, 9], scores);
        Assert.Equal(table.GetRow(4)[0], scores[0], 1e-6f);
        Assert.Equal(table.GetRow(9)[0], scores[1], 1e-6f);
    }
}
