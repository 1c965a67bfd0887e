using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRec.Server.Logging;
using Microsoft.Extensions.Logging;
using Serilog.Events;

namespace ActorRec.Server.Tests.Logging;

public sealed partial class SerilogSetupTests
{
    [Fact]
    public void Events_below_the_minimum_level_are_dropped()
    {
        var output = Capture(Settings("warning", format: "console"), factory =>
        {
            var logger = factory.CreateLogger("ActorRec.Sample");
            logger.LogInformation("quiet {Value}", 1);
            logger.LogWarning("loud {Value}", 2);
        });

        Assert.DoesNotContain("quiet", output, StringComparison.Ordinal);
        Assert.Contains("loud 2", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Overrides_apply_per_namespace_prefix()
    {
        var overrides = new Dictionary<string, string> { ["ActorRec.Noisy"] = "error", ["ActorRec.Chatty"] = "debug" };
        var output = Capture(Settings("info", overrides: overrides), factory =>
        {
            factory.CreateLogger("ActorRec.Noisy.Component").LogWarning("noisy-warning");
            factory.CreateLogger("ActorRec.Noisy.Component").LogError("noisy-error");
            factory.CreateLogger("ActorRec.Chatty.Part").LogDebug("chatty-debug");
            factory.CreateLogger("ActorRec.Other").LogDebug("other-debug");
            factory.CreateLogger("ActorRec.Other").LogInformation("other-info");
        });

        Assert.DoesNotContain("noisy-warning", output, StringComparison.Ordinal);
        Assert.Contains("noisy-error", output, StringComparison.Ordinal);
        Assert.Contains("chatty-debug", output, StringComparison.Ordinal);
        Assert.DoesNotContain("other-debug", output, StringComparison.Ordinal);
        Assert.Contains("other-info", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Console_format_has_timestamp_level_and_source_context()
    {
        var output = Capture(Settings("info", format: "console"), factory =>
            factory.CreateLogger("ActorRec.Sample.Widget").LogWarning("user {UserId} did {Count} things", "u1", 3));

        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(ConsoleLine(), line);
        Assert.Contains("[WRN] ActorRec.Sample.Widget: user u1 did 3 things", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_format_writes_one_object_per_line_with_rendered_message_and_event_id()
    {
        var output = Capture(Settings("info", format: "json"), factory =>
        {
            var logger = factory.CreateLogger("ActorRec.Sample");
            SampleLog.Started(logger, "node-7", 42);
            logger.LogError(new InvalidOperationException("boom"), "failed {Thing}", "x");
        });

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        var root = first.RootElement;
        Assert.Equal("Information", root.GetProperty("Level").GetString());
        Assert.Equal("Node \"node-7\" started 42 actors", root.GetProperty("RenderedMessage").GetString());
        Assert.True(root.TryGetProperty("Timestamp", out _));
        var properties = root.GetProperty("Properties");
        Assert.Equal("ActorRec.Sample", properties.GetProperty("SourceContext").GetString());
        Assert.Equal(4711, properties.GetProperty("EventId").GetProperty("Id").GetInt32());
        Assert.Equal(42, properties.GetProperty("Count").GetInt32());

        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("Error", second.RootElement.GetProperty("Level").GetString());
        Assert.Contains("boom", second.RootElement.GetProperty("Exception").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Async_sink_delivers_every_event_by_the_time_the_logger_is_disposed()
    {
        var writer = new StringWriter();
        var settings = Settings("info") with { Async = true, AsyncBufferSize = 1000 };
        using (var logger = SerilogSetup.CreateLogger(settings, writer))
        using (var factory = SerilogSetup.CreateLoggerFactory(logger, dispose: false))
        {
            var log = factory.CreateLogger("ActorRec.Async");
            for (var i = 0; i < 100; i++)
            {
                log.LogInformation("event {Index}", i);
            }
        }

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(100, lines.Length);
        Assert.Contains("event 99", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void File_sink_writes_in_its_own_format()
    {
        var dir = Directory.CreateTempSubdirectory("actorrec-log-");
        try
        {
            var path = Path.Combine(dir.FullName, "node.log");
            var settings = Settings("info", format: "console") with
            {
                File = FileLogSettings.Create(path, "never", 0, 0, "json"),
            };
            var console = Capture(settings, factory => factory.CreateLogger("ActorRec.File").LogInformation("to both {N}", 5));

            Assert.Contains("to both 5", console, StringComparison.Ordinal);
            var fileLine = Assert.Single(File.ReadAllLines(path));
            using var json = JsonDocument.Parse(fileLine);
            Assert.Equal("to both 5", json.RootElement.GetProperty("RenderedMessage").GetString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Rolling_file_sink_inserts_the_period_into_the_name()
    {
        var dir = Directory.CreateTempSubdirectory("actorrec-log-");
        try
        {
            var settings = Settings("info") with
            {
                File = FileLogSettings.Create(Path.Combine(dir.FullName, "node.log"), "day", 0, 3, "console"),
            };
            Capture(settings, factory => factory.CreateLogger("ActorRec.File").LogInformation("rolled"));

            var file = Assert.Single(Directory.GetFiles(dir.FullName));
            Assert.Matches(@"node\d{8}\.log$", file);
            Assert.Contains("rolled", File.ReadAllText(file), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Default_settings_quiet_aspnetcore_below_warning()
    {
        var settings = LoggingSettings.Default with { Async = false };
        Assert.Equal(LogEventLevel.Warning, settings.Overrides["Microsoft.AspNetCore"]);
        var output = Capture(settings, factory =>
        {
            factory.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").LogInformation("routing-chatter");
            factory.CreateLogger("ActorRec.Server.Host").LogInformation("our-info");
        });

        Assert.DoesNotContain("routing-chatter", output, StringComparison.Ordinal);
        Assert.Contains("our-info", output, StringComparison.Ordinal);
    }

    private static LoggingSettings Settings(string level, string format = "console", Dictionary<string, string>? overrides = null) =>
        LoggingSettings.Create(level, overrides ?? new Dictionary<string, string>(), format, null, async: false, asyncBufferSize: 100);

    private static string Capture(LoggingSettings settings, Action<ILoggerFactory> body)
    {
        var writer = new StringWriter();
        using (var logger = SerilogSetup.CreateLogger(settings, writer))
        using (var factory = SerilogSetup.CreateLoggerFactory(logger, dispose: false))
        {
            body(factory);
        }

        return writer.ToString();
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} [+-]\d{2}:\d{2} \[WRN\] ")]
    private static partial Regex ConsoleLine();
}

internal static partial class SampleLog
{
    [LoggerMessage(EventId = 4711, Level = LogLevel.Information, Message = "Node {NodeName} started {Count} actors")]
    public static partial void Started(ILogger logger, string nodeName, int count);
}
