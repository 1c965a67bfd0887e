using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using Serilog.Events;

namespace ActorRec.Server.Logging;

/// <summary>
/// Typed logging settings, read once at start-up from <c>actorrec.logging</c> (see this module's reference.conf).
/// </summary>
public sealed record LoggingSettings
{
    private const string Prefix = "actorrec.logging.";

    /// <summary>Information to the console in the human format, async, no file: what <c>reference.conf</c> ships.</summary>
    public static LoggingSettings Default { get; } = new(
        LogEventLevel.Information,
        new Dictionary<string, LogEventLevel>(StringComparer.Ordinal)
        {
            ["Microsoft.AspNetCore"] = LogEventLevel.Warning,
            ["Microsoft.Hosting.Lifetime"] = LogEventLevel.Information,
        },
        LogFormat.Console,
        null,
        true,
        10_000);

    private LoggingSettings(
        LogEventLevel minimumLevel,
        IReadOnlyDictionary<string, LogEventLevel> overrides,
        LogFormat format,
        FileLogSettings? file,
        bool async,
        int asyncBufferSize)
    {
        MinimumLevel = minimumLevel;
        Overrides = overrides;
        Format = format;
        File = file;
        Async = async;
        AsyncBufferSize = asyncBufferSize;
    }

    /// <summary>Events below this level are dropped, unless an override for their source says otherwise.</summary>
    public LogEventLevel MinimumLevel { get; init; }

    /// <summary>Minimum level per source-context prefix (a namespace or a full type name).</summary>
    public IReadOnlyDictionary<string, LogEventLevel> Overrides { get; init; }

    /// <summary>Format of the console sink.</summary>
    public LogFormat Format { get; init; }

    /// <summary>The optional file sink; null when disabled.</summary>
    public FileLogSettings? File { get; init; }

    /// <summary>Write through a background queue so that logging never blocks a caller on I/O.</summary>
    public bool Async { get; init; }

    /// <summary>Capacity of the async queue; events beyond it are dropped rather than blocking.</summary>
    public int AsyncBufferSize { get; init; }

    /// <summary>Reads and validates <c>actorrec.logging</c> from a resolved config that includes this module's reference.conf.</summary>
    public static LoggingSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        if (config.HasPath(Prefix + "overrides"))
        {
            foreach (var (source, value) in config.GetObject(Prefix + "overrides"))
            {
                overrides[source] = value is HoconString text
                    ? text.Value
                    : throw new SettingsException($"{Prefix}overrides.\"{source}\"", "must be a level name such as warning", value.Origin);
            }
        }

        return Create(
            config.GetRequiredString(Prefix + "level"),
            overrides,
            config.GetRequiredString(Prefix + "format"),
            ReadFile(config),
            ReadBoolean(config, Prefix + "async"),
            config.GetPositiveInt(Prefix + "async-buffer-size"));
    }

    /// <summary>Validates and builds the settings; errors name the offending key under <c>actorrec.logging</c>.</summary>
    public static LoggingSettings Create(
        string level,
        IReadOnlyDictionary<string, string> overrides,
        string format,
        FileLogSettings? file,
        bool async,
        int asyncBufferSize)
    {
        ArgumentNullException.ThrowIfNull(level);
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(format);

        var parsedOverrides = new Dictionary<string, LogEventLevel>(StringComparer.Ordinal);
        foreach (var (source, value) in overrides)
        {
            if (string.IsNullOrWhiteSpace(source))
            {
                throw new SettingsException(Prefix + "overrides", "a source name must not be empty");
            }

            parsedOverrides[source] = LogNames.ParseLevel(value, $"{Prefix}overrides.\"{source}\"");
        }

        if (asyncBufferSize <= 0)
        {
            throw new SettingsException(Prefix + "async-buffer-size", $"must be positive, got {asyncBufferSize}");
        }

        return new LoggingSettings(
            LogNames.ParseLevel(level, Prefix + "level"),
            parsedOverrides,
            LogNames.ParseFormat(format, Prefix + "format"),
            file,
            async,
            asyncBufferSize);
    }

    /// <summary><c>file</c> is null (no file), a path (JSON lines, rolled daily, 7 files kept) or an object.</summary>
    private static FileLogSettings? ReadFile(Config config)
    {
        const string path = Prefix + "file";
        if (!config.HasPath(path))
        {
            return null;
        }

        switch (config.GetValue(path))
        {
            case HoconString file:
                return FileLogSettings.Create(file.Value, "day", null, 7, "json");
            case HoconObject:
                return FileLogSettings.Create(
                    config.GetRequiredString(path + ".path"),
                    config.HasPath(path + ".rolling") ? config.GetRequiredString(path + ".rolling") : "day",
                    config.HasPath(path + ".size-limit") ? ReadBytes(config, path + ".size-limit") : null,
                    config.HasPath(path + ".retained-files") ? config.GetNonNegativeInt(path + ".retained-files") : 7,
                    config.HasPath(path + ".format") ? config.GetRequiredString(path + ".format") : "json");
            case var other:
                throw new SettingsException(path, "must be null, a file path, or an object with path, rolling, size-limit, retained-files and format", other.Origin);
        }
    }

    private static bool ReadBoolean(Config config, string path) => Read(path, () => config.GetBoolean(path));

    private static long ReadBytes(Config config, string path) => Read(path, () => config.GetBytes(path));

    private static T Read<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (HoconException error)
        {
            throw new SettingsException(path, error.Reason, error.Origin, error);
        }
    }
}
