namespace ActorRec.Compute;

/// <summary>Which scoring backend <see cref="ScoringBackendFactory"/> builds.</summary>
public enum ComputeBackendKind
{
    /// <summary>CUDA when a driver and a device are present, otherwise the CPU backend.</summary>
    Auto,

    /// <summary>The SIMD CPU backend.</summary>
    Cpu,

    /// <summary>The CUDA backend; start-up fails with a clear error when no driver or device is present.</summary>
    Cuda,
}

/// <summary>How embedding rows are stored in device memory (computation is always float32).</summary>
public enum StoragePrecision
{
    Float32,
    Float16,
    BFloat16,
}

/// <summary>
/// Typed settings of the compute module (HOCON path <c>actorrec.compute</c>; every key is documented in the
/// embedded <c>reference.conf</c>). Built once at start-up through <see cref="Create"/>, which validates every value
/// and names the offending key.
/// </summary>
public sealed record ComputeSettings
{
    /// <summary>The HOCON path of this module's section.</summary>
    public const string Path = "actorrec.compute";

    /// <summary>Settings with every default of <c>reference.conf</c>.</summary>
    public static ComputeSettings Default { get; } = new();

    /// <summary><c>actorrec.compute.backend</c>.</summary>
    public ComputeBackendKind Backend { get; init; } = ComputeBackendKind.Auto;

    /// <summary><c>actorrec.compute.device-index</c>: the CUDA device ordinal.</summary>
    public int DeviceIndex { get; init; }

    /// <summary>
    /// <c>actorrec.compute.parallel-threshold</c>: multiply-adds per call (batch × candidates × dimension) from
    /// which the CPU backend splits the work over threads.
    /// </summary>
    public long ParallelThreshold { get; init; } = 1L << 20;

    /// <summary><c>actorrec.compute.max-threads</c>: threads the CPU backend uses; 0 means one per core.</summary>
    public int MaxThreads { get; init; }

    /// <summary><c>actorrec.compute.query-block</c>: queries scored together against each candidate row read.</summary>
    public int QueryBlock { get; init; } = 16;

    /// <summary><c>actorrec.compute.storage-precision</c>: storage of embedding rows on the GPU.</summary>
    public StoragePrecision StoragePrecision { get; init; } = StoragePrecision.Float32;

    /// <summary><c>actorrec.compute.use-cublas</c>: use cuBLAS for matrix products when the library is present.</summary>
    public bool UseCublas { get; init; } = true;

    /// <summary><c>actorrec.compute.fallback-to-cpu</c>: wrap the GPU backend so a failing call degrades to the CPU.</summary>
    public bool FallbackToCpu { get; init; } = true;

    /// <summary>Threads the CPU backend uses (resolves 0 to the processor count).</summary>
    public int EffectiveThreads => MaxThreads == 0 ? Environment.ProcessorCount : MaxThreads;

    /// <summary>
    /// Builds validated settings from raw values as read from the HOCON section (null means "use the default").
    /// </summary>
    /// <exception cref="ArgumentException">A value is invalid; the message names the key.</exception>
    public static ComputeSettings Create(
        string? backend = null,
        int? deviceIndex = null,
        long? parallelThreshold = null,
        int? maxThreads = null,
        int? queryBlock = null,
        string? storagePrecision = null,
        bool? useCublas = null,
        bool? fallbackToCpu = null)
    {
        var d = Default;
        var settings = new ComputeSettings
        {
            Backend = backend is null ? d.Backend : ParseBackend(backend),
            DeviceIndex = deviceIndex ?? d.DeviceIndex,
            ParallelThreshold = parallelThreshold ?? d.ParallelThreshold,
            MaxThreads = maxThreads ?? d.MaxThreads,
            QueryBlock = queryBlock ?? d.QueryBlock,
            StoragePrecision = storagePrecision is null ? d.StoragePrecision : ParsePrecision(storagePrecision),
            UseCublas = useCublas ?? d.UseCublas,
            FallbackToCpu = fallbackToCpu ?? d.FallbackToCpu,
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Checks every value; the exception message names the bad key.</summary>
    public ComputeSettings Validate()
    {
        if (!Enum.IsDefined(Backend))
        {
            throw Bad("backend", Backend.ToString(), "expected auto, cpu or cuda");
        }

        if (DeviceIndex < 0)
        {
            throw Bad("device-index", DeviceIndex.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be >= 0");
        }

        if (ParallelThreshold < 1)
        {
            throw Bad("parallel-threshold", ParallelThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be >= 1");
        }

        if (MaxThreads is < 0 or > 1024)
        {
            throw Bad("max-threads", MaxThreads.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 (one per core) .. 1024");
        }

        if (QueryBlock is < 1 or > 1024)
        {
            throw Bad("query-block", QueryBlock.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 1 .. 1024");
        }

        if (!Enum.IsDefined(StoragePrecision))
        {
            throw Bad("storage-precision", StoragePrecision.ToString(), "expected float32, float16 or bfloat16");
        }

        return this;
    }

    /// <summary>Parses <c>auto | cpu | cuda</c> (case-insensitive).</summary>
    public static ComputeBackendKind ParseBackend(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToLowerInvariant() switch
        {
            "auto" => ComputeBackendKind.Auto,
            "cpu" => ComputeBackendKind.Cpu,
            "cuda" => ComputeBackendKind.Cuda,
            _ => throw Bad("backend", value, "expected auto, cpu or cuda"),
        };
    }

    /// <summary>Parses <c>float32 | float16 | bfloat16</c> (case-insensitive).</summary>
    public static StoragePrecision ParsePrecision(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToLowerInvariant() switch
        {
            "float32" or "fp32" => StoragePrecision.Float32,
            "float16" or "fp16" => StoragePrecision.Float16,
            "bfloat16" or "bf16" => StoragePrecision.BFloat16,
            _ => throw Bad("storage-precision", value, "expected float32, float16 or bfloat16"),
        };
    }

    private static ArgumentException Bad(string key, string value, string why) =>
        new($"{Path}.{key} = '{value}' is invalid: {why}.", key);
}
