using System.CommandLine;
using ActorRec.Cli.Configuration;
using ActorRec.Server;
using ActorRec.Server.Health;
using ActorRec.Server.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec serve</c>: loads the config (<c>--config</c>, else hocon/actorrec.conf, else the built-in defaults),
/// applies <c>--port</c> and <c>--data-dir</c>, starts the host and runs until SIGTERM or Ctrl+C, then drains.
/// Exit 0 after a clean stop, 1 when the server could not start or a start-up task failed, 2 for a config error.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var config = new Option<string>("--config", "-c")
        {
            Description = $"HOCON config file (default: {ConfigLocator.DefaultRelativePath} under the working directory or beside the executable).",
            HelpName = "FILE",
        };
        var port = new Option<int?>("--port", "-p")
        {
            Description = "HTTP port (overrides actorrec.server.http.port; 0 picks a free port).",
            HelpName = "PORT",
        };
        var dataDir = new Option<string>("--data-dir", "-d")
        {
            Description = "Directory for journals and node state (overrides actorrec.server.data-dir).",
            HelpName = "DIR",
        };

        var noDemo = new Option<bool>("--no-demo")
        {
            Description = $"Start with an empty catalog (by default an empty journal gets a generated demo catalog of {FeedServe.DemoVideos} videos).",
        };

        var serve = new Command("serve", "Start an ActorRec node: the feed API (/v1/...) with /healthz and /readyz.");
        serve.Add(config);
        serve.Add(port);
        serve.Add(dataDir);
        serve.Add(noDemo);
        serve.SetAction((parseResult, cancellationToken) => RunAsync(
            context,
            parseResult.GetValue(config),
            parseResult.GetValue(port),
            parseResult.GetValue(dataDir),
            parseResult.GetValue(noDemo),
            cancellationToken));
        return serve;
    }

    private static async Task<int> RunAsync(CliContext context, string? configPath, int? port, string? dataDir, bool noDemo, CancellationToken cancellationToken)
    {
        var file = ConfigLocator.Resolve(configPath, context);
        var node = NodeConfig.Load(file, context);
        var settings = node.Server;
        if (port is { } p)
        {
            settings = settings.WithPort(p);
        }

        // Relative data dirs (from the option or the config) start at the working directory.
        settings = settings.WithDataDir(Path.GetFullPath(dataDir ?? settings.DataDir, context.WorkingDirectory));

        await using var serilog = SerilogSetup.CreateLogger(node.Logging, context.IsConsole ? null : context.Output);
        using var loggerFactory = SerilogSetup.CreateLoggerFactory(serilog, dispose: false);
        var log = loggerFactory.CreateLogger("ActorRec.Cli.Serve");
        CliLog.ConfigSource(log, file ?? "built-in defaults (no hocon/actorrec.conf found)");

        await using var app = ActorRecHost.Build(settings, serilog, FeedServe.Services(node, settings, noDemo), FeedServe.Endpoints);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            CliLog.StartFailed(log, error);
            return ExitCodes.Failure;
        }

        foreach (var url in ActorRecHost.GetListeningUris(app))
        {
            CliLog.Serving(log, url.ToString().TrimEnd('/'));
            FeedServe.LogTryIt(log, url);
            context.OnListening?.Invoke(url);
        }

        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        CliLog.Stopped(log);
        return app.Services.GetRequiredService<ReadinessState>().Phase == ReadinessPhase.Failed
            ? ExitCodes.Failure
            : ExitCodes.Ok;
    }
}
