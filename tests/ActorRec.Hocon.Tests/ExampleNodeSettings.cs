using ActorRec.Hocon.Settings;

namespace ActorRec.Hocon.Tests;

public enum ExampleLogLevel
{
    Verbose,
    Debug,
    Info,
    Warning,
    Error,
    Fatal,
}

public enum ExampleLogFormat
{
    Console,
    Json,
}

/// <summary>
/// The settings pattern every module follows, shown on the node's own keys: an immutable record built once
/// from the resolved config by <see cref="Create"/>, which validates every key and names the bad one.
/// </summary>
public sealed record ExampleNodeSettings(
    string NodeName,
    string DataDir,
    string Host,
    int Port,
    long MaxRequestBody,
    TimeSpan ShutdownTimeout,
    ExampleLogLevel Level,
    IReadOnlyDictionary<string, ExampleLogLevel> LevelOverrides,
    ExampleLogFormat Format,
    string? LogFile,
    bool AsyncLogging)
{
    public static ExampleNodeSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var overrides = new Dictionary<string, ExampleLogLevel>(StringComparer.Ordinal);
        foreach (var key in config.GetConfig("actorrec.logging.overrides").Root.Keys)
        {
            overrides[key] = config.GetEnum<ExampleLogLevel>("actorrec.logging.overrides." + HoconPath.Render([key]));
        }

        return new ExampleNodeSettings(
            NodeName: config.GetRequiredString("actorrec.node-name"),
            DataDir: config.GetRequiredString("actorrec.data-dir"),
            Host: config.GetRequiredString("actorrec.http.host"),
            Port: config.GetIntInRange("actorrec.http.port", 1, 65535),
            MaxRequestBody: config.GetPositiveBytes("actorrec.http.max-request-body"),
            ShutdownTimeout: config.GetPositiveDuration("actorrec.shutdown-timeout"),
            Level: config.GetEnum<ExampleLogLevel>("actorrec.logging.level"),
            LevelOverrides: overrides,
            Format: config.GetEnum<ExampleLogFormat>("actorrec.logging.format"),
            LogFile: config.GetOptionalString("actorrec.logging.file"),
            AsyncLogging: Read(config, "actorrec.logging.async", c => c.GetBoolean("actorrec.logging.async")));
    }

    private static T Read<T>(Config config, string path, Func<Config, T> read)
    {
        try
        {
            return read(config);
        }
        catch (HoconException e)
        {
            throw new SettingsException(path, e.Reason, e.Origin, e);
        }
    }
}
