using System.CommandLine;
using ActorRec.Actors;
using ActorRec.Cli.Configuration;
using ActorRec.Cluster.Hosting;
using ActorRec.Server;
using ActorRec.Server.Admin;
using ActorRec.Server.Health;
using ActorRec.Server.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec serve</c>: loads the config (<c>--config</c>, else hocon/actorrec.conf, else the built-in defaults),
/// applies <c>--port</c>, <c>--data-dir</c> and <c>--node-name</c>, starts the host and runs until SIGTERM or Ctrl+C,
/// then drains. With <c>--cluster-postgres</c> the node is a cluster member (see <see cref="ClusterServe"/>): it joins
/// before it reports ready, leaves gracefully on SIGTERM, and stops when an operator's leave completes.
/// Exit 0 after a clean stop or leave, 1 when the server could not start or a start-up task failed, 2 for a config
/// error, 3 when the cluster declared the node down.
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

        var nodeName = new Option<string>("--node-name", "-n")
        {
            Description = "This node's name in logs, health and cluster membership (overrides actorrec.node-name).",
            HelpName = "NAME",
        };
        var clusterPort = new Option<int?>("--cluster-port")
        {
            Description = "TCP port of the node-to-node transport (overrides actorrec.cluster.port; 0 picks a free port).",
            HelpName = "PORT",
        };
        var clusterPostgres = new Option<string>("--cluster-postgres")
        {
            Description = "Join (or form) the cluster whose membership lives in this PostgreSQL database (a connection string). " +
                "The secret comes from ACTORREC_CLUSTER_SECRET. Without it the node runs alone.",
            HelpName = "CONNSTR",
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
        serve.Add(nodeName);
        serve.Add(clusterPort);
        serve.Add(clusterPostgres);
        serve.SetAction((parseResult, cancellationToken) => RunAsync(
            context,
            new ServeOptions(
                parseResult.GetValue(config),
                parseResult.GetValue(port),
                parseResult.GetValue(dataDir),
                parseResult.GetValue(noDemo),
                parseResult.GetValue(nodeName),
                parseResult.GetValue(clusterPort),
                parseResult.GetValue(clusterPostgres)),
            cancellationToken));
        return serve;
    }

    private static async Task<int> RunAsync(CliContext context, ServeOptions options, CancellationToken cancellationToken)
    {
        var file = ConfigLocator.Resolve(options.ConfigPath, context);
        var node = NodeConfig.Load(file, context);
        var settings = node.Server;
        if (options.Port is { } p)
        {
            settings = settings.WithPort(p);
        }

        if (options.NodeName is { } name)
        {
            settings = ServerSettings.Create(name, settings.HttpHost, settings.HttpPort, settings.DataDir, settings.MaxBodyBytes, settings.ShutdownTimeout);
        }

        // Relative data dirs (from the option or the config) start at the working directory.
        settings = settings.WithDataDir(Path.GetFullPath(options.DataDir ?? settings.DataDir, context.WorkingDirectory));
        var clusterSettings = options.ClusterPostgres is { } postgres
            ? ClusterServe.Settings(node, context, settings, postgres, options.ClusterPort)
            : null;

        await using var serilog = SerilogSetup.CreateLogger(node.Logging, context.IsConsole ? null : context.Output);
        using var loggerFactory = SerilogSetup.CreateLoggerFactory(serilog, dispose: false);
        var log = loggerFactory.CreateLogger("ActorRec.Cli.Serve");
        CliLog.ConfigSource(log, file ?? "built-in defaults (no hocon/actorrec.conf found)");

        // A clustered node's feed engine runs on an actor system made here, so that the cluster's remoting can serve
        // its actors (the engine owns it and terminates it on dispose); a single node's engine makes its own.
        var system = clusterSettings is null ? null : ActorSystem.Create("actorrec", null, null, loggerFactory);
        await using var systemGuard = system; // idempotent: terminated here too when the engine never opened
        var sharded = clusterSettings is null
            ? null
            : ClusterServe.CreateNode(clusterSettings, node, FeedServe.Options(node, settings, options.NoDemo), system!, loggerFactory);
        var cluster = sharded?.Host;
        await using var shardingGuard = sharded?.Sharding;
        var feed = sharded is null ? FeedServe.Services(node, settings, options.NoDemo) : sharded.AddTo;
        await using var app = ActorRecHost.Build(
            settings,
            serilog,
            services =>
            {
                services.AddSingleton(node.Admin);
                // A clustered node registers its host first: joining comes first among the start-up tasks.
                feed(services);
            },
            endpoints =>
            {
                FeedServe.Endpoints(endpoints);
                endpoints.MapClusterAdmin();
                endpoints.MapShardAdmin();
            });
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
        if (cluster is not null && cluster.Exited.IsCompletedSuccessfully && cluster.Exited.Result.Kind == ClusterExitKind.Down)
        {
            return ExitCodes.Downed;
        }

        return app.Services.GetRequiredService<ReadinessState>().Phase == ReadinessPhase.Failed
            ? ExitCodes.Failure
            : ExitCodes.Ok;
    }
}

/// <summary>The options of <c>actorrec serve</c>.</summary>
internal sealed record ServeOptions(
    string? ConfigPath,
    int? Port,
    string? DataDir,
    bool NoDemo,
    string? NodeName,
    int? ClusterPort,
    string? ClusterPostgres);
