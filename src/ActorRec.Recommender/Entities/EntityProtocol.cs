using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Entities;

// Messages of the user, video and ranking actors. Commands carrying events are persisted before they are applied
// and acknowledged only after the write is durable.

/// <summary>Imported engagement history of a video (demo catalogs, backfills), journaled with its registration.</summary>
public sealed record VideoHistory(long Impressions, long Views, long Completions, long Likes, long Shares, float MeanWatchRatio, float Velocity, DateTimeOffset At);

/// <summary>Journaled by a VideoActor for every PUT: the metadata (first one creates the video) and optional history.</summary>
public sealed record VideoRegistered(VideoUpload Upload, DateTimeOffset At, VideoHistory? History = null);

/// <summary>Registers or updates a video. Reply: <see cref="VideoUpserted"/>.</summary>
public sealed record UpsertVideo(VideoUpload Upload, DateTimeOffset At, VideoHistory? History = null);

/// <summary>Reply to <see cref="UpsertVideo"/>: <see cref="Created"/> is true for the first registration.</summary>
public sealed record VideoUpserted(bool Created, VideoStateDto State);

/// <summary>Applies interactions to a video (duplicates by event id are acknowledged, not applied). Reply: <see cref="EventsApplied"/>.</summary>
public sealed record ApplyVideoEvents(IReadOnlyList<VideoInteraction> Interactions);

/// <summary>Applies interactions to a user, in order. Reply: <see cref="UserEventsApplied"/>.</summary>
public sealed record ApplyUserEvents(IReadOnlyList<UserInteraction> Interactions);

/// <summary>
/// Reply of the user actor: how many were new, for each interaction the user's embedding before it (what the video
/// learns from), and which interactions were new (null: none was).
/// </summary>
public sealed record UserEventsApplied(int Applied, int Duplicates, IReadOnlyList<float[]> EmbeddingsBefore, IReadOnlyList<bool>? Fresh = null);

/// <summary>Reply of the video actor to <see cref="ApplyVideoEvents"/>.</summary>
public sealed record EventsApplied(int Applied, int Duplicates);

/// <summary>A video command sent to a video that was never registered.</summary>
public sealed record VideoUnknown(string VideoId);

/// <summary>Asks an entity for its wire state (<see cref="UserStateDto"/>, <see cref="VideoStateDto"/>, or <see cref="VideoUnknown"/>).</summary>
public sealed class GetState
{
    private GetState()
    {
    }

    public static GetState Instance { get; } = new();
}

/// <summary>Asks a user actor for its retrieved candidates (retrieval runs inside the user's turn). Reply: <see cref="CandidateSet"/>.</summary>
public sealed record RetrieveCandidates(FeedRequest Request);

/// <summary>Asks a ranking actor to score <see cref="Candidates"/> (micro-batched) and re-rank them. Reply: <see cref="FeedResult"/>.</summary>
public sealed record RankFeed(CandidateSet Candidates, FeedRequest Request);

/// <summary>A failed request to an entity, sent back instead of the expected reply.</summary>
public sealed record EntityFailure(string Reason);
