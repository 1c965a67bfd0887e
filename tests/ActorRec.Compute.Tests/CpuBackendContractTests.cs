using ActorRec.Compute.Cpu;

namespace ActorRec.Compute.Tests;

/// <summary>The contract on the widest SIMD width of this machine, serial below the default threshold.</summary>
public sealed class CpuBackendContractTests : ScoringBackendContract
{
    protected override IScoringBackend CreateBackend() => new CpuScoringBackend(ComputeSettings.Default);
}

/// <summary>Every call split over threads (threshold 1, 3 threads), so the partitioned paths are covered.</summary>
public sealed class CpuParallelBackendContractTests : ScoringBackendContract
{
    protected override IScoringBackend CreateBackend() =>
        new CpuScoringBackend(ComputeSettings.Default with { ParallelThreshold = 1, MaxThreads = 3, QueryBlock = 5 });
}

public sealed class CpuVector256BackendContractTests : ScoringBackendContract
{
    protected override IScoringBackend CreateBackend() => new CpuScoringBackend(ComputeSettings.Default, SimdLevel.Vector256);
}

public sealed class CpuVector128BackendContractTests : ScoringBackendContract
{
    protected override IScoringBackend CreateBackend() => new CpuScoringBackend(ComputeSettings.Default, SimdLevel.Vector128);
}

public sealed class CpuScalarBackendContractTests : ScoringBackendContract
{
    protected override IScoringBackend CreateBackend() => new CpuScoringBackend(ComputeSettings.Default with { QueryBlock = 3 }, SimdLevel.Scalar);
}

/// <summary>The CPU backend behind the fallback wrapper must still honour the contract.</summary>
public sealed class FallbackBackendContractTests : ScoringBackendContract
{
    protected override IScoringBackend CreateBackend() =>
        new FallbackScoringBackend(new CpuScoringBackend(ComputeSettings.Default), new CpuScoringBackend(ComputeSettings.Default), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
}
