using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Entities;

/// <summary>
/// Settings of the entity layer (<c>actorrec.feed.entities</c>): passivation of idle user and video actors, the
/// ranking pool and the time limit of internal asks. Build with <see cref="Create"/>, which names the bad key.
/// </summary>
public sealed record EntitySettings
{
    public const string Path = "actorrec.feed.entities";

    public static EntitySettings Default { get; } = new();

    /// <summary>An entity that received no message for this long is passivated (snapshot, then stop). Zero: never.</summary>
    public TimeSpan PassivateAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>An entity also snapshots after this many of its own events (0: only the persistence-wide rule).</summary>
    public int SnapshotEvery { get; init; }

    /// <summary>Ranking actors per node (feed requests are spread round robin and micro-batched in each).</summary>
    public int RankingActors { get; init; } = 2;

    /// <summary>How long the front-end waits for an entity's reply before answering 503.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public static EntitySettings Create(TimeSpan? passivateAfter = null, int? rankingActors = null, TimeSpan? askTimeout = null, int? snapshotEvery = null)
    {
        var s = new EntitySettings
        {
            PassivateAfter = passivateAfter ?? Default.PassivateAfter,
            RankingActors = rankingActors ?? Default.RankingActors,
            AskTimeout = askTimeout ?? Default.AskTimeout,
            SnapshotEvery = snapshotEvery ?? Default.SnapshotEvery,
        };
        if (s.PassivateAfter < TimeSpan.Zero)
        {
            throw new FeedSettingsException($"{Path}.passivate-after", $"must not be negative (got {s.PassivateAfter})");
        }

        if (s.SnapshotEvery is < 0 or > 10_000_000)
        {
            throw new FeedSettingsException($"{Path}.snapshot-every", $"must be between 0 (off) and 10000000 (got {s.SnapshotEvery})");
        }

        if (s.RankingActors is < 1 or > 256)
        {
            throw new FeedSettingsException($"{Path}.ranking-actors", $"must be between 1 and 256 (got {s.RankingActors})");
        }

        if (s.AskTimeout <= TimeSpan.Zero)
        {
            throw new FeedSettingsException($"{Path}.ask-timeout", $"must be positive (got {s.AskTimeout})");
        }

        return s;
    }
}
