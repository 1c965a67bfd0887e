using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Learning;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Reranking;

/// <summary>Outcome of applying one event in <see cref="LocalFeedEngine"/>.</summary>
public enum ApplyOutcome
{
    Applied,

    /// <summary>The event id was already applied to both sides; nothing changed.</summary>
    Duplicate,

    /// <summary>The video is not in the catalog; nothing changed.</summary>
    UnknownVideo,
}

/// <summary>
/// The whole feed engine in one object, single-threaded and in memory: users and videos in dictionaries, each event
/// applied to the user (with sampled negatives) and then to the video (with the user's pre-update embedding), the
/// catalog refreshed after each video change. It does exactly what the UserActor / VideoActor pair will do, in the
/// same order (the ranking model, trends and experiments observe each new event between the two steps), so it serves
/// replays (<c>journal replay --feed</c>), offline evaluation and tests. Not thread-safe.
/// </summary>
public sealed class LocalFeedEngine
{
    private readonly Dictionary<string, UserState> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VideoState> _videos = new(StringComparer.Ordinal);

    public LocalFeedEngine(FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Pipeline = FeedPipeline.CreateDefault(settings, out var catalog);
        Catalog = catalog;
    }

    public FeedSettings Settings { get; }

    public FeedPipeline Pipeline { get; }

    public VideoCatalog Catalog { get; }

    public int UserCount => _users.Count;

    public int VideoCount => _videos.Count;

    /// <summary>Loads a demo catalog (see <see cref="DemoCatalog"/>).</summary>
    public void LoadDemo(DemoCatalogOptions options)
    {
        foreach (var v in DemoCatalog.Generate(options))
        {
            Add(DemoCatalog.CreateState(v, Settings));
        }
    }

    /// <summary>Registers a video or updates its metadata (a repeated PUT); returns true when it is new.</summary>
    public bool PutVideo(string videoId, VideoUpload upload, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoId);
        ArgumentNullException.ThrowIfNull(upload);
        if (_videos.TryGetValue(videoId, out var existing))
        {
            existing.Update(upload);
            Catalog.Upsert(existing);
            return false;
        }

        Add(new VideoState(videoId, upload, at, Settings));
        return true;
    }

    public bool TryGetVideo(string videoId, out VideoState video) => _videos.TryGetValue(videoId, out video!);

    public bool TryGetUser(string userId, out UserState user) => _users.TryGetValue(userId, out user!);

    /// <summary>The user's state, created on first sight.</summary>
    public UserState User(string userId)
    {
        if (!_users.TryGetValue(userId, out var u))
        {
            u = new UserState(userId, Settings);
            _users[userId] = u;
        }

        return u;
    }

    public ApplyOutcome Apply(InteractionEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!_videos.TryGetValue(e.VideoId, out var video) || !Catalog.TryGetRow(e.VideoId, out var row))
        {
            return ApplyOutcome.UnknownVideo;
        }

        var user = User(e.UserId);
        var before = user.EmbeddingToArray();
        var negatives = NegativeSampler.Sample(Catalog, e.IdKey, row, Settings.Learning.NegativeSamples);
        var userApplied = user.Apply(new UserInteraction(e, video.ToFacts(), negatives));
        if (userApplied)
        {
            Pipeline.Retriever.RecordCoEngagement(user, e.VideoKey);
            // As FeedEngine does after the user step: the ranking model, trends and experiments learn from it.
            Pipeline.Quality.Observe(e, row, before, Catalog);
        }

        var videoApplied = video.Apply(new VideoInteraction(e, before));
        if (videoApplied)
        {
            Catalog.Upsert(video);
        }

        return userApplied || videoApplied ? ApplyOutcome.Applied : ApplyOutcome.Duplicate;
    }

    public FeedResult GetFeed(string userId, FeedRequest request) => Pipeline.GetFeed(User(userId), request);

    private void Add(VideoState state)
    {
        _videos[state.VideoId] = state;
        Catalog.Upsert(state);
    }
}
