using ActorRec.Recommender.Checkpoints;
using ActorRec.Recommender.Entities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRec.Server.Api;

/// <summary>
/// Wires the node's <see cref="ModelCheckpointer"/> (<c>actorrec.feed.checkpoint</c>) into the host: the start-up task
/// restores and starts it once the catalog is loaded (<see cref="FeedStartupTask"/>), and the hosted service below
/// writes the last checkpoint when the host stops gracefully, before the engine is disposed.
/// </summary>
public static class ModelCheckpoints
{
    /// <summary>
    /// The checkpoint file of a node: <c>file-name</c> in the data dir, or <c>&lt;node&gt;.file-name</c> when
    /// <paramref name="nodeName"/> is given (clustered nodes: each keeps its own model).
    /// </summary>
    public static string PathFor(FeedNodeOptions options, string? nodeName = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = options.Feed.Checkpoint.FileName;
        if (!string.IsNullOrEmpty(nodeName))
        {
            var safe = string.Create(nodeName.Length, nodeName, static (span, n) =>
            {
                var invalid = System.IO.Path.GetInvalidFileNameChars();
                for (var i = 0; i < n.Length; i++)
                {
                    span[i] = Array.IndexOf(invalid, n[i]) >= 0 ? '_' : n[i];
                }
            });
            name = safe + "." + name;
        }

        return System.IO.Path.Combine(options.Persistence.DataDir, name);
    }

    /// <summary>Registers the checkpointer of the node's engine (when <c>checkpoint.enabled</c>) and its shutdown hook.</summary>
    public static void AddModelCheckpoints(this IServiceCollection services, FeedNodeOptions options, string? nodeName = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Feed.Checkpoint.Enabled)
        {
            return;
        }

        var path = PathFor(options, nodeName);
        services.AddSingleton(sp =>
        {
            var engine = sp.GetRequiredService<FeedEngine>();
            return new ModelCheckpointer(engine.Pipeline, path, options.Feed.Checkpoint.Interval, engine.System.TimeProvider,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<ModelCheckpointer>(), options.Feed.Checkpoint.History);
        });
        services.AddHostedService<ModelCheckpointShutdown>();
    }
}

/// <summary>Writes the last checkpoint when the host stops (hosted services stop before singletons are disposed).</summary>
internal sealed class ModelCheckpointShutdown(ModelCheckpointer checkpointer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await checkpointer.StopAsync().ConfigureAwait(false);
}
