using ActorRec.Compute.Cpu;
using ActorRec.Compute.Cuda;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Compute;

/// <summary>
/// Builds the scoring backend <see cref="ComputeSettings.Backend"/> asks for:
/// <c>cpu</c> → <see cref="CpuScoringBackend"/>;
/// <c>cuda</c> → <see cref="CudaScoringBackend"/> or an <see cref="InvalidOperationException"/> saying why CUDA is unavailable;
/// <c>auto</c> → CUDA when the driver, a device and NVRTC are present, else the CPU (the log says which and why).
/// With <see cref="ComputeSettings.FallbackToCpu"/> the CUDA backend is wrapped in a <see cref="FallbackScoringBackend"/>.
/// </summary>
public static class ScoringBackendFactory
{
    public static IScoringBackend Create(ComputeSettings settings, ILogger? logger = null) =>
        Create(settings, logger, static index => CudaDiscovery.Probe(index), static (s, l) => CudaScoringBackend.Create(s, l));

    /// <summary>The factory with the CUDA probe and constructor injected (tests drive every branch with fakes).</summary>
    public static IScoringBackend Create(
        ComputeSettings settings,
        ILogger? logger,
        Func<int, CudaAvailability> probe,
        Func<ComputeSettings, ILogger, IScoringBackend> createCuda)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(createCuda);
        settings.Validate();
        logger ??= NullLogger.Instance;

        if (settings.Backend == ComputeBackendKind.Cpu)
        {
            var cpu = new CpuScoringBackend(settings);
            ComputeLog.BackendChosen(logger, cpu.Name, settings.Backend, "configured");
            return cpu;
        }

        var availability = probe(settings.DeviceIndex);
        if (!availability.Available)
        {
            if (settings.Backend == ComputeBackendKind.Cuda)
            {
                throw new InvalidOperationException($"{ComputeSettings.Path}.backend = cuda but CUDA is unavailable: {availability.Reason}.");
            }

            var cpu = new CpuScoringBackend(settings);
            ComputeLog.BackendChosen(logger, cpu.Name, settings.Backend, $"CUDA unavailable: {availability.Reason}");
            return cpu;
        }

        IScoringBackend gpu;
        try
        {
            gpu = createCuda(settings, logger);
        }
        catch (Exception e) when (settings.Backend == ComputeBackendKind.Auto && e is CudaException or InvalidOperationException)
        {
            var cpu = new CpuScoringBackend(settings);
            ComputeLog.BackendChosen(logger, cpu.Name, settings.Backend, $"CUDA start-up failed: {e.Message}");
            return cpu;
        }

        ComputeLog.BackendChosen(logger, gpu.Name, settings.Backend, availability.Reason);
        return settings.FallbackToCpu ? new FallbackScoringBackend(gpu, new CpuScoringBackend(settings), logger) : gpu;
    }
}
