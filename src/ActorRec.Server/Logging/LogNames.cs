using ActorRec.Hocon.Settings;
using Serilog.Events;

namespace ActorRec.Server.Logging;

/// <summary>Parses the level and format names accepted in config (Serilog's and Microsoft.Extensions.Logging's spellings).</summary>
internal static class LogNames
{
    public static LogEventLevel ParseLevel(string value, string key) => value.Trim().ToLowerInvariant() switch
    {
        "trace" or "verbose" => LogEventLevel.Verbose,
        "debug" => LogEventLevel.Debug,
        "info" or "information" => LogEventLevel.Information,
        "warn" or "warning" => LogEventLevel.Warning,
        "error" => LogEventLevel.Error,
        "fatal" or "critical" => LogEventLevel.Fatal,
        _ => throw new SettingsException(key, $"unknown level '{value}'; expected trace, debug, info, warning, error or fatal"),
    };

    public static LogFormat ParseFormat(string value, string key) => value.Trim().ToLowerInvariant() switch
    {
        "console" or "text" or "human" => LogFormat.Console,
        "json" => LogFormat.Json,
        _ => throw new SettingsException(key, $"unknown format '{value}'; expected console or json"),
    };
}
