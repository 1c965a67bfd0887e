namespace ActorRec.Server.Logging;

/// <summary>How log events are written.</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per event: time, level, source context, message.</summary>
    Console,

    /// <summary>One JSON object per line (Serilog's JsonFormatter with the rendered message), for log collectors.</summary>
    Json,
}
