using ActorRec.Compute.Cuda;
using ActorRec.Compute.Tests.Support;

namespace ActorRec.Compute.Tests;

/// <summary>The contract on the CUDA backend (float32 storage). Skipped, with the probe's reason, without a device.</summary>
[RequiresCuda]
public sealed class CudaBackendContractTests : ScoringBackendContract
{
    protected override IScoringBackend CreateBackend() => CudaScoringBackend.Create(ComputeSettings.Default with { Backend = ComputeBackendKind.Cuda });
}

/// <summary>The contract on the CUDA backend with our tiled GEMM kernel instead of cuBLAS.</summary>
[RequiresCuda]
public sealed class CudaNoCublasBackendContractTests : ScoringBackendContract
{
    protected override IScoringBackend CreateBackend() => CudaScoringBackend.Create(ComputeSettings.Default with { Backend = ComputeBackendKind.Cuda, UseCublas = false });
}
