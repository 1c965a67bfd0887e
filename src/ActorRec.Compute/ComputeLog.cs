using Microsoft.Extensions.Logging;

namespace ActorRec.Compute;

/// <summary>Source-generated log messages of the compute module (event ids 4000-4099).</summary>
internal static partial class ComputeLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Scoring backend: {Backend} (requested {Requested}; {Why})")]
    public static partial void BackendChosen(ILogger logger, string backend, ComputeBackendKind requested, string why);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "CUDA backend ready on {Device}: kernels compiled by NVRTC {NvrtcMajor}.{NvrtcMinor} for compute_{Architecture}, storage {Precision}, GEMM by {Gemm}")]
    public static partial void CudaReady(ILogger logger, string device, int nvrtcMajor, int nvrtcMinor, int architecture, StoragePrecision precision, string gemm);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "GPU call {Operation} failed on {Backend}; degrading to {Fallback} for good")]
    public static partial void GpuFailed(ILogger logger, Exception exception, string operation, string backend, string fallback);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Failed to release GPU backend {Backend}")]
    public static partial void DisposeFailed(ILogger logger, Exception exception, string backend);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "cuBLAS not used: {Reason}")]
    public static partial void CublasUnavailable(ILogger logger, string reason);
}
