using ActorRec.Actors.TestKit;
using ActorRec.Persistence;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.InMemory;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Testing;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;

namespace ActorRec.Recommender.Tests.Entities;

/// <summary>A feed engine on a TestKit actor system (virtual time) over an in-memory journal and snapshot store.</summary>
internal sealed class EntityNode : IAsyncDisposable
{
    /// <param name="snapshotEvery">Snapshot policy of the persistence runtime.</param>
    /// <param name="passivateAfter">Idle time before an entity passivates (default 10 minutes).</param>
    /// <param name="settings">Feed settings (default <see cref="FeedSettings.Default"/>).</param>
    /// <param name="gated">True to put a <see cref="GatedJournal"/> (see <see cref="Gate"/>) in front of the journal.</param>
    public EntityNode(int snapshotEvery = 1000, TimeSpan? passivateAfter = null, FeedSettings? settings = null, bool gated = false)
    {
        Kit = new ActorTestKit();
        var persistence = PersistenceSettings.Create("inmem", snapshotEvery: snapshotEvery);
        Journal = new InMemoryJournal(persistence, Kit.Time);
        Snapshots = new InMemorySnapshotStore();
        Gate = gated ? new GatedJournal(Journal) : null;
        Runtime = new PersistenceRuntime(Gate ?? (IJournal)Journal, Snapshots, EntitySerializers.CreateRegistry(), persistence, Kit.Time);
        Engine = new FeedEngine(Kit.System, Runtime, settings ?? FeedSettings.Default,
            EntitySettings.Create(passivateAfter ?? TimeSpan.FromMinutes(10), rankingActors: 1));
    }

    public ActorTestKit Kit { get; }

    public InMemoryJournal Journal { get; }

    /// <summary>The gate in front of <see cref="Journal"/> when the node was made with <c>gated: true</c>.</summary>
    public GatedJournal? Gate { get; }

    public InMemorySnapshotStore Snapshots { get; }

    public PersistenceRuntime Runtime { get; }

    public FeedEngine Engine { get; }

    public DateTimeOffset Now => Kit.Time.GetUtcNow();

    public T Await<T>(Task<T> task) => Kit.Await(task);

    public void PutVideo(string videoId, string topic, string creator = "c1", long durationMs = 15_000) =>
        Await(Engine.PutVideoAsync(videoId, new VideoUpload(creator, durationMs, [topic], $"{topic} clip", "s1", "US")));

    public IngestResult Ingest(params InteractionEvent[] events) => Await(Engine.IngestAsync(events));

    public InteractionEvent View(string id, string userId, string videoId, long watchMs = 15_000) =>
        new(id, InteractionType.View, userId, videoId, Now, watchMs, 15_000, 0, "US", "ios");

    /// <summary>
    /// The user's feed now, with the state version it was built from. The ranking window runs on virtual time: it is
    /// moved until the feed is answered, and only while every actor is idle (waiting on that timer), so a slow
    /// machine can never push virtual time past the ask timeout.
    /// </summary>
    public VersionedFeed Feed(string userId, int count = 10, string? region = "US", bool explain = false)
    {
        var task = Engine.GetVersionedFeedAsync(userId, count, region, explain);
        Kit.AwaitCondition(() =>
        {
            Kit.AwaitIdle();
            if (task.IsCompleted)
            {
                return true;
            }

            Kit.Time.Advance(Engine.Settings.Ranking.BatchWindow);
            return task.IsCompleted;
        }, what: "feed answered");
        return Await(task);
    }

    public long Highest(string persistenceId) => Await(Journal.ReadHighestSequenceNrAsync(persistenceId));

    public async ValueTask DisposeAsync()
    {
        await Kit.DisposeAsync();
        await Runtime.DisposeAsync();
        await Journal.DisposeAsync();
    }
}
