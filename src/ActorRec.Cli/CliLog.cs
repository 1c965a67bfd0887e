using Microsoft.Extensions.Logging;

namespace ActorRec.Cli;

/// <summary>Source-generated log methods of the command (event ids 2000–2099).</summary>
internal static partial class CliLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Config: {ConfigSource}")]
    public static partial void ConfigSource(ILogger logger, string configSource);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "ActorRec is serving on {Url} - try: curl {Url}/healthz (readiness: curl {Url}/readyz; stop with Ctrl+C or SIGTERM)")]
    public static partial void Serving(ILogger logger, string url);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Critical, Message = "The server could not start")]
    public static partial void StartFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Stopped")]
    public static partial void Stopped(ILogger logger);
}
