using ActorRec.Cli.Configuration;
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
    /// The feed API of a single node with the node's feed and persistence settings; the journal lives in the server's
    /// data dir (the one place a data dir is chosen: config, then <c>--data-dir</c>); the demo catalog unless
    /// <paramref name="noDemo"/>. A clustered node uses <c>ClusterFeedNode.AddTo</c> instead.
    /// </summary>
    public static Action<IServiceCollection> Services(NodeConfig node, ServerSettings settings, bool noDemo)
    {
        var options = Options(node, settings, noDemo);
        return services => services.AddFeedApi(options);
    }

    /// <summary>The feed node's options: the config's settings, the journal in the server's data dir, the demo unless <paramref name="noDemo"/>.</summary>
    public static FeedNodeOptions Options(NodeConfig node, ServerSettings settings, bool noDemo)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(settings);
        return new FeedNodeOptions(node.Feed, node.Entities, node.Persistence with { DataDir = settings.DataDir }, noDemo ? 0 : DemoVideos);
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
