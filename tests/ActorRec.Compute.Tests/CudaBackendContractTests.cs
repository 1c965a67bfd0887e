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

/// <summary>The contract with float16 table storage on the device (scores within float16's ~1e-3 relative).</summary>
[RequiresCuda]
public sealed class CudaFloat16BackendContractTests : ScoringBackendContract
{
    protected override double TableTolerance => 2e-3;

    protected override IScoringBackend CreateBackend() => CudaScoringBackend.Create(ComputeSettings.Default with { Backend = ComputeBackendKind.Cuda, StoragePrecision = StoragePrecision.Float16 });
}

/// <summary>The contract with bfloat16 table storage on the device (scores within bfloat16's ~8e-3 relative).</summary>
[RequiresCuda]
public sealed class CudaBFloat16BackendContractTests : ScoringBackendContract
{
    protected override double TableTolerance => 1.6e-2;

    protected override IScoringBackend CreateBackend() => CudaScoringBackend.Create(ComputeSettings.Default with { Backend = ComputeBackendKind.Cuda, StoragePrecision = StoragePrecision.BFloat16 });
}
