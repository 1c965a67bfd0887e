using Microsoft.Extensions.Logging;

namespace ActorRec.Server.Logging;

/// <summary>Source-generated log methods of the host (event ids 1000–1099).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Node {NodeName} listening on {Url} (data dir {DataDir})")]
    public static partial void Listening(ILogger logger, string nodeName, string url, string dataDir);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Ready after {StartupTaskCount} start-up task(s) in {ElapsedMs} ms")]
    public static partial void Ready(ILogger logger, int startupTaskCount, long elapsedMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Shutting down: readiness withdrawn, draining requests (timeout {TimeoutSeconds} s)")]
    public static partial void ShuttingDown(ILogger logger, double timeoutSeconds);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Critical, Message = "Start-up task {Task} failed; the node stays unready and stops")]
    public static partial void StartupTaskFailed(ILogger logger, string task, Exception exception);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Rejected {Method} {Path}: {Status} {Title} ({Field})")]
    public static partial void ClientError(ILogger logger, string method, string path, int status, string title, string? field);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    public static partial void UnhandledError(ILogger logger, string method, string path, Exception exception);
}
