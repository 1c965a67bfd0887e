using ActorRec.Actors;
using ActorRec.Persistence;
using ActorRec.Persistence.Actors;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Learning;
using ActorRec.Recommender.Ranking;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Recommender.Entities;

/// <summary>What <see cref="FeedEngine.IngestAsync"/> did: the events accepted (all durable), or why none were.</summary>
public sealed record IngestResult(int Accepted, int Applied, IReadOnlyList<ValidationError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>A feed and the user's event count when its candidates were retrieved.</summary>
public readonly record struct VersionedFeed(FeedResponseDto Feed, long StateVersion);

/// <summary>An entity did not answer in time or failed; the request may be retried (HTTP 503).</summary>
public sealed class EntityUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>When the client should retry (the HTTP <c>Retry-After</c>); null when the cause gives no hint.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>
/// One node of the feed engine: the actor system, the persistence runtime, the user and video regions, the ranking
/// pool, the catalog read model and the feed pipeline, behind the operations of the public API.
/// <para>
/// <b>Ingest.</b> A batch is checked first (every event's video must be registered; otherwise nothing is applied and
/// each bad event is named). Each event then gets the facts of its video and its sampled negatives from the catalog
/// (so the user's journal holds everything its replay needs); the users' interactions are persisted and applied
/// (all users concurrently, each user's events in order), then the videos learn from the users' embeddings as they
/// were before each event. Only when every write is durable does the call complete. Re-sent ids are acknowledged
/// and not applied twice, by both users and videos; a batch interrupted between the user and the video step is
/// therefore completed by re-sending it.
/// </para>
/// <para><b>Feed.</b> The user actor retrieves (in its own turn), a ranking actor of the pool scores the candidates in a
/// micro-batch with other requests and re-ranks them.</para>
/// </summary>
public sealed partial class FeedEngine : IAsyncDisposable
{
    private const int LoadParallelism = 64;
    private readonly IActorRef[] _rankers;
    private readonly ITrendingSource _trending;
    private readonly ILogger _log;
    private readonly bool _ownsSystem;
    private long _nextRanker;

    // regions: starts the user and video regions; null = local regions on the system (one node).
    public FeedEngine(ActorSystem system, PersistenceRuntime runtime, FeedSettings settings, EntitySettings entities, ILogger? logger = null,
        bool ownsSystem = false, IEntityRegionFactory? regions = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(entities);
        System = system;
        Runtime = runtime;
        Settings = settings;
        Entities = entities;
        _log = logger ?? NullLogger.Instance;
        _ownsSystem = ownsSystem;
        var index = VideoIndexes.Create(settings);
        Index = index;
        Catalog = new VideoCatalog(settings.EmbeddingDim, index);
        _trending = new DecayedVelocityTrending(Catalog, settings);
        Pipeline = new FeedPipeline(Catalog, index, _trending, new CpuCandidateScorer(), settings, system.TimeProvider);
        regions ??= new LocalRegions(system, entities.PassivateAfter);
        // Unfenced entities (one node) share one Props per region and read their id from their name.
        var userProps = UserActor.RegionProps(runtime, Pipeline, entities.SnapshotEvery);
        var videoProps = VideoActor.RegionProps(runtime, settings, Catalog, entities.SnapshotEvery);
        Users = regions.Start("user", (id, epoch, fence) => epoch == 0 && fence is null ? userProps : UserActor.Props(id, runtime, Pipeline, entities.SnapshotEvery, epoch, fence));
        Videos = regions.Start("video", (id, epoch, fence) => epoch == 0 && fence is null ? videoProps : VideoActor.Props(id, runtime, settings, Catalog, entities.SnapshotEvery, epoch, fence));
        _rankers = new IActorRef[entities.RankingActors];
        for (var i = 0; i < _rankers.Length; i++)
        {
            _rankers[i] = system.ActorOf(RankingActor.Props(Pipeline), $"ranking-{i}");
        }
    }

    public ActorSystem System { get; }

    public PersistenceRuntime Runtime { get; }

    public FeedSettings Settings { get; }

    public EntitySettings Entities { get; }

    public VideoCatalog Catalog { get; }

    /// <summary>The nearest-neighbour index retrieval searches (<c>actorrec.feed.retrieval.index</c>).</summary>
    public IVideoIndex Index { get; }

    public FeedPipeline Pipeline { get; }

    public IShardRegion Users { get; }

    public IShardRegion Videos { get; }

    public IReadOnlyList<IActorRef> Rankers => _rankers;

    /// <summary>
    /// Where the catalog is a read copy that may lag (a cluster node's copy of videos other nodes own), looks a video
    /// up at its source before an event naming it is refused as unknown: true when the video exists and is now in
    /// <see cref="Catalog"/>. Null on one node, where the catalog is the source.
    /// </summary>
    public Func<string, CancellationToken, Task<bool>>? FindMissingVideo { get; set; }

    private TimeProvider Time => System.TimeProvider;

    /// <summary>
    /// Opens a node: a new actor system and the journal named by <paramref name="persistence"/> (the engine owns and
    /// disposes both).
    /// </summary>
    public static FeedEngine Open(FeedSettings settings, EntitySettings entities, PersistenceSettings persistence, ILoggerFactory? loggerFactory = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(persistence);
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        var system = ActorSystem.Create("actorrec", null, time, factory);
        var runtime = PersistenceRuntime.Open(persistence, EntitySerializers.CreateRegistry(), time, factory.CreateLogger("ActorRec.Persistence"));
        return new FeedEngine(system, runtime, settings, entities, factory.CreateLogger<FeedEngine>(), ownsSystem: true);
    }

    /// <summary>
    /// Starts every video stored in the journal once, so that the catalog read model holds them all (each video
    /// publishes itself when its recovery completes). Returns the number of videos loaded.
    /// </summary>
    public async Task<int> LoadCatalogAsync(CancellationToken cancellationToken = default)
    {
        var pending = new List<Task<object>>(LoadParallelism);
        var loaded = 0;
        await foreach (var pid in Runtime.Journal.CurrentPersistenceIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!pid.StartsWith("video/", StringComparison.Ordinal))
            {
                continue;
            }

            pending.Add(Videos.Ask(pid["video/".Length..], GetState.Instance, Entities.AskTimeout));
            if (pending.Count == LoadParallelism)
            {
                loaded += await CountLoaded(pending).ConfigureAwait(false);
            }
        }

        loaded += await CountLoaded(pending).ConfigureAwait(false);
        LogCatalogLoaded(_log, loaded);
        return loaded;
    }

    /// <summary>
    /// Registers the demo catalog through the ordinary video path (one journaled registration per video, with its
    /// generated history). Returns the number of videos registered.
    /// </summary>
    public async Task<int> SeedDemoCatalogAsync(DemoCatalogOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var videos = DemoCatalog.Generate(options);
        var pending = new List<Task<object>>(LoadParallelism);
        foreach (var video in videos)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var state = DemoCatalog.CreateState(video, Settings);
            VideoHistory? history = video.Established
                ? new VideoHistory(state.Impressions, state.Views, state.Completions, state.Likes, state.Shares, state.MeanWatchRatio, state.Velocity, state.VelocityAt)
                : null;
            pending.Add(Videos.Ask(video.VideoId, new UpsertVideo(video.Upload, video.UploadedAt, history), Entities.AskTimeout));
            if (pending.Count == LoadParallelism)
            {
                await CountLoaded(pending).ConfigureAwait(false);
            }
        }

        await CountLoaded(pending).ConfigureAwait(false);
        LogDemoSeeded(_log, videos.Count);
        return videos.Count;
    }

    /// <summary>Registers or updates a video (PUT /v1/videos/{id}); completes after the registration is durable.</summary>
    public async Task<VideoUpserted> PutVideoAsync(string videoId, VideoUpload upload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoId);
        ArgumentNullException.ThrowIfNull(upload);
        var reply = await AskAsync(Videos, videoId, new UpsertVideo(upload, Time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        return reply as VideoUpserted ?? throw Unexpected(reply, "video " + videoId);
    }

    /// <summary>Applies a validated batch of events (POST /v1/events); see the class remarks.</summary>
    public async Task<IngestResult> IngestAsync(IReadOnlyList<InteractionEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        List<ValidationError>? errors = null;
        var rows = new int[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            if (!Catalog.TryGetRow(events[i].VideoId, out rows[i])
                && !(FindMissingVideo is { } find && await find(events[i].VideoId, cancellationToken).ConfigureAwait(false) && Catalog.TryGetRow(events[i].VideoId, out rows[i])))
            {
                (errors ??= []).Add(new ValidationError($"events[{i}].videoId", $"unknown video \"{events[i].VideoId}\"; register it with PUT /v1/videos/{{videoId}} first"));
            }
        }

        if (errors is not null)
        {
            return new IngestResult(0, 0, errors);
        }

        var k = Settings.Learning.NegativeSamples;
        // One message per user, all sent at once (a cluster region bundles them per owning node).
        var byUser = EventGroups.By(events, byVideo: false);
        var userMessages = new object[byUser.Count];
        for (var u = 0; u < byUser.Count; u++)
        {
            var indexes = byUser.Members[u];
            var interactions = new UserInteraction[indexes.Length];
            for (var j = 0; j < indexes.Length; j++)
            {
                var e = events[indexes[j]];
                var row = rows[indexes[j]];
                interactions[j] = CompactInteraction(e, Catalog.Facts(row), NegativeSampler.Sample(Catalog, e.IdKey, row, k));
            }

            userMessages[u] = new ApplyUserEvents(interactions);
        }

        var userReplies = await Await(Users.AskAll(byUser.Ids, userMessages, Entities.AskTimeout), "users").ConfigureAwait(false);
        var before = new float[events.Count][];
        var fresh = new bool[events.Count];
        var applied = 0;
        for (var u = 0; u < userReplies.Length; u++)
        {
            var indexes = byUser.Members[u];
            var reply = userReplies[u];
            var ack = reply as UserEventsApplied ?? throw Unexpected(reply, "user of event " + events[indexes[0]].Id);
            applied += ack.Applied;
            for (var j = 0; j < indexes.Length; j++)
            {
                before[indexes[j]] = ack.EmbeddingsBefore[j];
                fresh[indexes[j]] = ack.Fresh is { } f && f[j];
            }
        }

        // The ranking model, trends and experiment metrics learn once from every new event (its user step is durable).
        Pipeline.Quality.Observe(events, rows, before, fresh, Catalog);

        var byVideo = EventGroups.By(events, byVideo: true);
        var videoMessages = new object[byVideo.Count];
        for (var v = 0; v < byVideo.Count; v++)
        {
            var indexes = byVideo.Members[v];
            var interactions = new VideoInteraction[indexes.Length];
            for (var j = 0; j < indexes.Length; j++)
            {
                var i = indexes[j];
                JournalVectors.RoundToHalf(before[i]);
                interactions[j] = new VideoInteraction(events[i], before[i]);
            }

            videoMessages[v] = new ApplyVideoEvents(interactions);
        }

        foreach (var reply in await Await(Videos.AskAll(byVideo.Ids, videoMessages, Entities.AskTimeout), "videos").ConfigureAwait(false))
        {
            if (reply is not EventsApplied)
            {
                throw Unexpected(reply, "video");
            }
        }

        return new IngestResult(events.Count, applied, []);
    }

    /// <summary>
    /// The interaction a user applies and journals, with its vectors rounded to what the journal stores compactly and
    /// exactly (<see cref="JournalVectors"/>): the video's embedding to half precision, the sampled negatives (noise
    /// samples by design) to int8 codes. Applied live as rounded, so replay reproduces the state bit for bit.
    /// </summary>
    public static UserInteraction CompactInteraction(InteractionEvent e, VideoFacts facts, float[] negatives)
    {
        JournalVectors.RoundToHalf(facts.Embedding);
        JournalVectors.RoundToInt8(negatives);
        return new UserInteraction(e, facts, negatives);
    }

    /// <summary>The feed of a user (GET /v1/feed/{userId}); users are created on first sight.</summary>
    public async Task<FeedResponseDto> GetFeedAsync(string userId, int count, string? region, bool explain, CancellationToken cancellationToken = default) =>
        (await GetVersionedFeedAsync(userId, count, region, explain, cancellationToken).ConfigureAwait(false)).Feed;

    /// <summary>
    /// The feed of a user with the version of the state it was built from: the user's event count at retrieval (the
    /// <c>eventCount</c> of <c>GET /v1/users/{userId}</c>), so a client can tell whether an event is reflected.
    /// </summary>
    public async Task<VersionedFeed> GetVersionedFeedAsync(string userId, int count, string? region, bool explain, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var request = new FeedRequest(count, region, Time.GetUtcNow());
        var reply = await AskAsync(Users, userId, new RetrieveCandidates(request), cancellationToken).ConfigureAwait(false);
        var candidates = reply as CandidateSet ?? throw Unexpected(reply, "user " + userId);
        var ranker = _rankers[(int)((ulong)Interlocked.Increment(ref _nextRanker) % (ulong)_rankers.Length)];
        var ranked = await Await(ranker.Ask(new RankFeed(candidates, request), Entities.AskTimeout, cancellationToken), "ranking").ConfigureAwait(false);
        var result = ranked as FeedResult ?? throw Unexpected(ranked, "ranking");
        return new VersionedFeed(FeedPipeline.ToDto(result, explain), candidates.StateVersion);
    }

    /// <summary>The live state of a user, or null when no event of that user was ever applied.</summary>
    public async Task<UserStateDto?> GetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var reply = await AskAsync(Users, userId, GetState.Instance, cancellationToken).ConfigureAwait(false);
        var dto = reply as UserStateDto ?? throw Unexpected(reply, "user " + userId);
        return dto.EventCount == 0 ? null : dto;
    }

    /// <summary>The live state of a video, or null when it was never registered.</summary>
    public async Task<VideoStateDto?> GetVideoAsync(string videoId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoId);
        if (!Catalog.TryGetRow(videoId, out _))
        {
            return null;
        }

        var reply = await AskAsync(Videos, videoId, GetState.Instance, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            VideoStateDto dto => dto,
            VideoUnknown => null,
            _ => throw Unexpected(reply, "video " + videoId),
        };
    }

    /// <summary>Videos trending in <paramref name="region"/> now, best first.</summary>
    public TrendingDto GetTrending(string region, int count = 20)
    {
        ArgumentNullException.ThrowIfNull(region);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var rows = new int[count];
        var velocities = new float[count];
        var n = _trending.Top(region, Time.GetUtcNow(), rows, velocities);
        var items = new TrendingItemDto[n];
        for (var i = 0; i < n; i++)
        {
            items[i] = new TrendingItemDto(Catalog.Info(rows[i]).VideoId, velocities[i]);
        }

        return new TrendingDto(region, items);
    }

    /// <summary>Live entities of a region (for stats and benchmarks).</summary>
    public async Task<RegionStats> GetRegionStatsAsync(IShardRegion region)
    {
        ArgumentNullException.ThrowIfNull(region);
        var local = region as LocalShardRegion ?? throw new ArgumentException("only local regions report stats", nameof(region));
        return await local.Ref.Ask<RegionStats>(GetRegionStats.Instance, Entities.AskTimeout).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsSystem)
        {
            await System.Terminate().ConfigureAwait(false);
            await Runtime.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<int> CountLoaded(List<Task<object>> pending)
    {
        var loaded = 0;
        foreach (var task in pending)
        {
            if (await Await(task, "videos").ConfigureAwait(false) is VideoStateDto or VideoUpserted)
            {
                loaded++;
            }
        }

        pending.Clear();
        return loaded;
    }

    private async Task<object> AskAsync(IShardRegion region, string id, object message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await Await(region.Ask(id, message, Entities.AskTimeout), region.TypeName + " " + id).ConfigureAwait(false);
    }

    private static async Task<T> Await<T>(Task<T> task, string what)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (AskTimeoutException ex)
        {
            throw new EntityUnavailableException($"{what} did not answer in time", ex);
        }
    }

    private static EntityUnavailableException Unexpected(object reply, string what) => reply is EntityFailure failure
        ? new EntityUnavailableException($"{what}: {failure.Reason}")
        : new EntityUnavailableException($"{what} answered {reply.GetType().Name}");

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Catalog loaded from the journal: {Videos} videos")]
    private static partial void LogCatalogLoaded(ILogger logger, int videos);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Demo catalog registered: {Videos} videos")]
    private static partial void LogDemoSeeded(ILogger logger, int videos);
}
