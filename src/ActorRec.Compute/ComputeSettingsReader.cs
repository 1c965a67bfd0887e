using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Compute;

/// <summary>
/// Builds <see cref="ComputeSettings"/> from the resolved config, once at start-up: reads every key of the
/// <c>actorrec.compute</c> section of the embedded <c>reference.conf</c>, refuses keys it does not know, and
/// reports a bad value as a <see cref="SettingsException"/> naming the full key path.
/// </summary>
public static class ComputeSettingsReader
{
    /// <summary>The keys of the section (relative to <see cref="ComputeSettings.Path"/>), as in reference.conf.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "backend", "device-index", "parallel-threshold", "max-threads", "query-block", "storage-precision", "use-cublas", "fallback-to-cpu",
    ];

    /// <summary>Reads the <c>actorrec.compute</c> section of a resolved root config.</summary>
    /// <exception cref="SettingsException">A key is missing, unknown, of the wrong type or out of range.</exception>
    public static ComputeSettings Read(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetSection(ComputeSettings.Path);
        section.RejectUnknownKeys(Keys);
        var backend = section.GetRequiredString("backend");
        var deviceIndex = section.GetNonNegativeInt("device-index");
        var parallelThreshold = section.GetLongInRange("parallel-threshold", 1, long.MaxValue);
        var maxThreads = section.GetNonNegativeInt("max-threads");
        var queryBlock = section.GetPositiveInt("query-block");
        var storagePrecision = section.GetRequiredString("storage-precision");
        var useCublas = section.GetFlag("use-cublas");
        var fallbackToCpu = section.GetFlag("fallback-to-cpu");

        // Create parses the enum names (with their aliases) and checks the upper bounds; its ArgumentException
        // names the key as ParamName.
        return section.Build(() => ComputeSettings.Create(
            backend, deviceIndex, parallelThreshold, maxThreads, queryBlock, storagePrecision, useCublas, fallbackToCpu));
    }
}
