using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Configuration;
using Serilog.Extensions.Logging;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;

namespace ActorRec.Server.Logging;

/// <summary>
/// Builds the process's Serilog pipeline from <see cref="LoggingSettings"/> and exposes it to library code as
/// Microsoft.Extensions.Logging, so modules log through <c>ILogger</c> with <c>[LoggerMessage]</c> methods and never
/// depend on Serilog.
/// </summary>
public static class SerilogSetup
{
    /// <summary>The human format: time, level, source context, message, then the exception on its own lines.</summary>
    public const string ConsoleTemplate =
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// Creates the logger. Console output goes to <paramref name="console"/> when given (tests, embedding),
    /// otherwise to the process's standard output.
    /// </summary>
    public static Serilog.Core.Logger CreateLogger(LoggingSettings settings, TextWriter? console = null)
    {
        ArgumentNullException.ThrowIfNull(settings);

        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(settings.MinimumLevel)
            .Enrich.FromLogContext();
        foreach (var (source, level) in settings.Overrides)
        {
            configuration.MinimumLevel.Override(source, level);
        }

        if (settings.Async)
        {
            configuration.WriteTo.Async(sinks => AddSinks(sinks, settings, console), settings.AsyncBufferSize);
        }
        else
        {
            AddSinks(configuration.WriteTo, settings, console);
        }

        return configuration.CreateLogger();
    }

    /// <summary>A Microsoft.Extensions.Logging factory over <paramref name="logger"/>; disposing it flushes the logger when <paramref name="dispose"/>.</summary>
    public static ILoggerFactory CreateLoggerFactory(Serilog.ILogger logger, bool dispose)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return new SerilogLoggerFactory(logger, dispose);
    }

    /// <summary>Routes every Microsoft.Extensions.Logging category of a host to <paramref name="logger"/>; Serilog does the filtering.</summary>
    public static ILoggingBuilder UseSerilog(this ILoggingBuilder builder, Serilog.ILogger logger, bool dispose)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ClearProviders();
        builder.SetMinimumLevel(LogLevel.Trace);
        builder.AddSerilog(logger, dispose);
        return builder;
    }

    /// <summary>The formatter used for a format: the human template or one JSON object per line.</summary>
    public static ITextFormatter CreateFormatter(LogFormat format) => format switch
    {
        LogFormat.Json => new JsonFormatter(renderMessage: true),
        _ => new MessageTemplateTextFormatter(ConsoleTemplate),
    };

    private static void AddSinks(LoggerSinkConfiguration sinks, LoggingSettings settings, TextWriter? console)
    {
        if (console is not null)
        {
            sinks.Sink(new TextWriterSink(CreateFormatter(settings.Format), console));
        }
        else if (settings.Format == LogFormat.Json)
        {
            sinks.Console(CreateFormatter(LogFormat.Json));
        }
        else
        {
            sinks.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        if (settings.File is { } file)
        {
            sinks.File(
                CreateFormatter(file.Format),
                file.Path,
                fileSizeLimitBytes: file.SizeLimitBytes,
                rollingInterval: file.Rolling,
                rollOnFileSizeLimit: file.SizeLimitBytes is not null,
                retainedFileCountLimit: file.RetainedFiles);
        }
    }
}
