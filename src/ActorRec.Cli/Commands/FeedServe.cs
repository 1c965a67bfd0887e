using ActorRec.Actors;
using ActorRec.Cli.Configuration;
using ActorRec.Persistence.Actors;
using ActorRec.Recommender.Entities;
using ActorRec.Server;
using ActorRec.Server.Api;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorRec.Cli.Commands;

/// <summary>The feed engine's part of <c>actorrec serve</c>: the node options, the routes and the "try it" log line.</summary>
internal static partial class FeedServe
{
    /// <summary>Videos of the demo catalog registered on the first start (an empty journal).</summary>
    public const int DemoVideos = 10_000;

    /// <summary>
    /// The feed API with the node's feed and persistence settings; the journal lives in the server's data dir (the one
    /// place a data dir is chosen: config, then <c>--data-dir</c>); the demo catalog unless <paramref name="noDemo"/>.
    /// With <paramref name="system"/> the engine runs on that actor system (and owns it) instead of making its own.
    /// </summary>
    public static Action<IServiceCollection> Services(NodeConfig node, ServerSettings settings, bool noDemo, ActorSystem? system = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(settings);
        var options = new FeedNodeOptions(
            node.Feed,
            node.Entities,
            node.Persistence with { DataDir = settings.DataDir },
            noDemo ? 0 : DemoVideos);
        return services =>
        {
            services.AddFeedApi(options);
            if (system is not null)
            {
                // Replaces AddFeedApi's engine (the last registration wins): the same engine on the given system.
                services.AddSingleton(sp =>
                {
                    var loggers = sp.GetRequiredService<ILoggerFactory>();
                    var runtime = PersistenceRuntime.Open(options.Persistence, EntitySerializers.CreateRegistry(), null, loggers.CreateLogger("ActorRec.Persistence"));
                    return new FeedEngine(system, runtime, options.Feed, options.Entities, loggers.CreateLogger<FeedEngine>(), ownsSystem: true);
                });
            }
        };
    }

    public static void Endpoints(IEndpointRouteBuilder endpoints) => endpoints.MapFeedApi();

    /// <summary>Logs a curl line that works against this node.</summary>
    public static void LogTryIt(ILogger logger, Uri url)
    {
        var baseUrl = url.ToString().TrimEnd('/');
        LogCurl(logger, $"curl -s '{baseUrl}/v1/feed/u1?count=5&explain=true'", $"actorrec simulate --url {baseUrl}");
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Try it: {Curl}   or: {Simulate}")]
    private static partial void LogCurl(ILogger logger, string curl, string simulate);
}
