using ActorRec.Persistence;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;

namespace ActorRec.Server.Api;

/// <summary>
/// What the feed API needs to open its node: the domain settings, the entity settings, the journal, and whether an
/// empty journal is filled with a generated demo catalog at start-up.
/// </summary>
/// <param name="Feed">Domain settings (embedding dimension, limits, learning, retrieval, ranking).</param>
/// <param name="Entities">Passivation, ranking pool, ask timeout.</param>
/// <param name="Persistence">The journal plug-in and its data directory.</param>
/// <param name="DemoVideos">Videos of the demo catalog registered when the journal holds none; 0 turns the demo off.</param>
public sealed record FeedNodeOptions(FeedSettings Feed, EntitySettings Entities, PersistenceSettings Persistence, int DemoVideos = 0)
{
    /// <summary>Options for a node whose SQLite journal lives in <paramref name="dataDir"/>.</summary>
    public static FeedNodeOptions ForDataDir(string dataDir, int demoVideos = 0) =>
        new(FeedSettings.Default, EntitySettings.Default, PersistenceSettings.Create("sqlite", dataDir), demoVideos);
}
