using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Exploration;

namespace ActorRec.Recommender.Videos;

/// <summary>
/// What a VideoActor journals per interaction: the event and the user's long-term embedding before that user
/// applied it (what <see cref="VideoState.Apply(VideoInteraction)"/> learns from).
/// </summary>
public sealed record VideoInteraction(InteractionEvent Event, float[] UserEmbedding);

/// <summary>A VideoActor snapshot: the complete <see cref="VideoState"/> as plain values.</summary>
public sealed record VideoSnapshot(
    string VideoId,
    VideoUpload Upload,
    DateTimeOffset UploadedAt,
    float[] Embedding,
    long EventCount,
    long Impressions,
    long Views,
    long Completions,
    long Likes,
    long Shares,
    long Comments,
    long Skips,
    long Follows,
    long NotInterested,
    double WatchRatioSum,
    float Velocity,
    long VelocityAtTicks,
    ModerationState Moderation,
    int Stage,
    bool StageStopped,
    ulong[] AppliedIds,
    PromotionCounters? Promotion = null,
    uint[]? AppliedSeconds = null);
