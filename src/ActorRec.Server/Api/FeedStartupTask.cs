using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Checkpoints;
using ActorRec.Recommender.Entities;
using ActorRec.Server.Health;

namespace ActorRec.Server.Api;

/// <summary>
/// Readiness gate of the feed API: loads every video of the journal into the catalog read model, then, when the
/// journal held none and the demo is on, registers the demo catalog through the ordinary video path, its upload
/// times and imported history relative to the start; then restores the node's model checkpoint (when checkpoints
/// are on: it needs the catalog, to map video keys to rows) and starts the periodic checkpoints.
/// </summary>
internal sealed class FeedStartupTask(FeedEngine engine, FeedNodeOptions options, ModelCheckpointer? checkpointer = null) : IStartupTask
{
    public string Name => "feed-engine";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var loaded = await engine.LoadCatalogAsync(cancellationToken).ConfigureAwait(false);
        if (loaded == 0 && options.DemoVideos > 0)
        {
            // The demo's history is stamped "now", so its decayed velocities (the trending fallback) are live.
            var demo = new DemoCatalogOptions { Videos = options.DemoVideos, Now = TimeProvider.System.GetUtcNow() };
            await engine.SeedDemoCatalogAsync(demo, cancellationToken).ConfigureAwait(false);
        }

        if (checkpointer is not null)
        {
            checkpointer.Restore();
            checkpointer.Start();
        }
    }
}
