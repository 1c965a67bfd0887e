using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Learning;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Tests.Support;

/// <summary>
/// What the actors will do, done synchronously in one thread: users and videos in dictionaries, the catalog kept up
/// to date after each video change, events applied to both sides with sampled negatives.
/// </summary>
internal sealed class TestWorld
{
    public static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    public TestWorld(FeedSettings? settings = null)
    {
        Settings = settings ?? FeedSettings.Default;
        Pipeline = FeedPipeline.CreateDefault(Settings, out var catalog);
        Catalog = catalog;
    }

    public FeedSettings Settings { get; }

    public VideoCatalog Catalog { get; }

    public FeedPipeline Pipeline { get; }

    public Dictionary<string, VideoState> Videos { get; } = [];

    public Dictionary<string, UserState> Users { get; } = [];

    public Dictionary<string, DemoVideo> Demo { get; } = [];

    public static TestWorld WithDemo(int videos, double established = 0.9, FeedSettings? settings = null)
    {
        var world = new TestWorld(settings);
        foreach (var v in DemoCatalog.Generate(new DemoCatalogOptions { Videos = videos, Creators = Math.Max(1, videos / 10), EstablishedShare = established, Now = Start }))
        {
            world.Demo[v.VideoId] = v;
            world.AddVideo(DemoCatalog.CreateState(v, world.Settings));
        }

        return world;
    }

    public VideoState AddVideo(VideoState state)
    {
        Videos[state.VideoId] = state;
        Catalog.Upsert(state);
        return state;
    }

    public VideoState Upload(string videoId, string creator, string[] hashtags, string region = "US", DateTimeOffset? at = null, long durationMs = 15_000) =>
        AddVideo(new VideoState(videoId, new VideoUpload(creator, durationMs, hashtags, string.Join(' ', hashtags), null, region), at ?? Start, Settings));

    public UserState User(string userId)
    {
        if (!Users.TryGetValue(userId, out var u))
        {
            u = new UserState(userId, Settings);
            Users[userId] = u;
        }

        return u;
    }

    /// <summary>Applies one event the way the actors will: user first (with negatives), then video with the user's pre-update vector.</summary>
    public bool Apply(InteractionEvent e)
    {
        var user = User(e.UserId);
        var video = Videos[e.VideoId];
        Catalog.TryGetRow(e.VideoId, out var row);
        var before = user.EmbeddingToArray();
        var negatives = NegativeSampler.Sample(Catalog, e.IdKey, row, Settings.Learning.NegativeSamples);
        var userApplied = user.Apply(e, video.ToFacts(), negatives);
        var videoApplied = video.Apply(e, before);
        Catalog.Upsert(video);
        return userApplied || videoApplied;
    }

    public FeedResult Feed(string userId, DateTimeOffset now, int count = 10, string? region = "US") =>
        Pipeline.GetFeed(User(userId), new FeedRequest(count, region, now));

    private int _eventCounter;

    public InteractionEvent Event(string userId, string videoId, InteractionType type, DateTimeOffset at, long watchMs = 0, int replays = 0, string? id = null) =>
        new(id ?? $"e{++_eventCounter}", type, userId, videoId, at, watchMs, 0, replays, "US", "ios");
}
