using ActorRec.Hocon.Settings;
using Serilog;

namespace ActorRec.Server.Logging;

/// <summary>The optional rolling file sink (<c>actorrec.logging.file</c>).</summary>
public sealed record FileLogSettings
{
    private const string Prefix = "actorrec.logging.file.";

    private FileLogSettings(string path, RollingInterval rolling, long? sizeLimitBytes, int? retainedFiles, LogFormat format)
    {
        Path = path;
        Rolling = rolling;
        SizeLimitBytes = sizeLimitBytes;
        RetainedFiles = retainedFiles;
        Format = format;
    }

    /// <summary>File path; with rolling the period is inserted before the extension (log-20261121.txt).</summary>
    public string Path { get; }

    public RollingInterval Rolling { get; }

    /// <summary>Roll to a new file when one reaches this size; null for no limit.</summary>
    public long? SizeLimitBytes { get; }

    /// <summary>How many rolled files to keep; null keeps them all.</summary>
    public int? RetainedFiles { get; }

    public LogFormat Format { get; }

    /// <summary>Validates and builds the settings; errors name the offending key.</summary>
    /// <param name="path">Log file path (non-empty).</param>
    /// <param name="rolling">never | minute | hour | day | month | year.</param>
    /// <param name="sizeLimitBytes">Positive byte count, or 0/null for no limit.</param>
    /// <param name="retainedFiles">Positive count, or 0/null to keep every file.</param>
    /// <param name="format">console | json.</param>
    public static FileLogSettings Create(string path, string rolling, long? sizeLimitBytes, int? retainedFiles, string format)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new SettingsException(Prefix + "path", "must name a file when the file sink is enabled");
        }

        if (sizeLimitBytes < 0)
        {
            throw new SettingsException(Prefix + "size-limit", $"must not be negative, got {sizeLimitBytes}");
        }

        if (retainedFiles < 0)
        {
            throw new SettingsException(Prefix + "retained-files", $"must not be negative, got {retainedFiles}");
        }

        return new FileLogSettings(
            path,
            ParseRolling(rolling),
            sizeLimitBytes is 0 ? null : sizeLimitBytes,
            retainedFiles is 0 ? null : retainedFiles,
            LogNames.ParseFormat(format, Prefix + "format"));
    }

    private static RollingInterval ParseRolling(string value) => value.Trim().ToLowerInvariant() switch
    {
        "never" or "infinite" or "none" => RollingInterval.Infinite,
        "minute" => RollingInterval.Minute,
        "hour" => RollingInterval.Hour,
        "day" => RollingInterval.Day,
        "month" => RollingInterval.Month,
        "year" => RollingInterval.Year,
        _ => throw new SettingsException(Prefix + "rolling", $"unknown interval '{value}'; expected never, minute, hour, day, month or year"),
    };
}
