using System.Text.Json.Serialization;

namespace ActorRec.Recommender.Domain;

// Wire shapes of the public HTTP contract (issue 5). Requests are validated by EventBatchReader and
// VideoUploadReader (which report every bad field); these DTOs are what clients such as `simulate` serialise and
// what the server writes back, through the source-generated FeedJsonContext.

public sealed record InteractionEventDto(
    string Id,
    string Type,
    string UserId,
    string VideoId,
    DateTimeOffset Timestamp,
    long? WatchMs = null,
    long? DurationMs = null,
    int? Replays = null,
    string? Region = null,
    string? Device = null)
{
    public static InteractionEventDto FromDomain(InteractionEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.Id, e.Type.ToWire(), e.UserId, e.VideoId, e.Timestamp, e.WatchMs, e.DurationMs, e.Replays, e.Region, e.Device);
    }
}

public sealed record EventBatchDto(IReadOnlyList<InteractionEventDto> Events);

public sealed record AcceptedDto(int Accepted);

public sealed record VideoUploadDto(
    string CreatorId,
    long DurationMs,
    IReadOnlyList<string>? Hashtags = null,
    string? Caption = null,
    string? SoundId = null,
    string? Region = null,
    float[]? ContentEmbedding = null)
{
    public static VideoUploadDto FromDomain(VideoUpload v)
    {
        ArgumentNullException.ThrowIfNull(v);
        return new(v.CreatorId, v.DurationMs, v.Hashtags, v.Caption, v.SoundId, v.Region, v.ContentEmbedding);
    }
}

public sealed record FeedResponseDto(string UserId, IReadOnlyList<FeedItemDto> Items, FeedExplainDto? Explain = null);

/// <summary>
/// <c>explain</c> of a whole feed (only with <c>explain=true</c>): its intra-list diversity (mean pairwise cosine
/// distance of the videos' embeddings), exploration slots filled, the exploration share and MMR λ in force, and the
/// user's experiment arms.
/// </summary>
public sealed record FeedExplainDto(double IntraListDiversity, int ExplorationSlots, double ExplorationShare, float MmrLambda, IReadOnlyList<string> Arms);

/// <summary>One task of the ranking model in an item's explanation: its prediction, its weight, and blend·weight·prediction (its share of the model part before centring on the feed mean).</summary>
public sealed record TaskPartDto(string Task, float Prediction, float Weight, float Contribution);

public sealed record FeedItemDto(string VideoId, float Score, IReadOnlyList<string> Sources, ExplainDto? Explain = null);

/// <summary><c>explain</c> of a feed item: retrieval paths, score parts by name, re-ranking adjustments in order.</summary>
public sealed record ExplainDto(
    IReadOnlyList<string> Retrieval,
    IReadOnlyDictionary<string, float> Score,
    IReadOnlyList<AdjustmentDto> Adjustments,
    IReadOnlyList<TaskPartDto>? Tasks = null);

public sealed record AdjustmentDto(string Kind, string Detail, float Delta);

public sealed record UserStateDto(
    string UserId,
    long EventCount,
    float EmbeddingNorm,
    float SessionNorm,
    IReadOnlyList<string> RecentVideos,
    int Follows,
    int MutedTopics,
    int BlockedVideos,
    string? Region,
    string? Device,
    int? Hour);

public sealed record VideoStateDto(
    string VideoId,
    string CreatorId,
    long EventCount,
    float EmbeddingNorm,
    long Impressions,
    long Views,
    long Completions,
    long Likes,
    long Shares,
    long Comments,
    long Skips,
    float MeanWatchRatio,
    float Velocity,
    string Stage,
    string Moderation,
    IReadOnlyList<string> Hashtags,
    long DurationMs,
    DateTimeOffset UploadedAt,
    long? StageLimit = null,
    PromotionDto? Promotion = null);

/// <summary>
/// A video's place on the cold-start ladder as <c>GET /v1/videos/{id}</c> shows it: the stage, whether it is still
/// pushed (<c>active</c>), stopped or graduated to the final stage, the impressions counted in the stage against its
/// judging point and pool, and the stage's completion and share rates against the thresholds they must reach.
/// Limits and thresholds are null in the final stage (never judged, no pool).
/// </summary>
public sealed record PromotionDto(
    string Stage,
    int StageIndex,
    int Stages,
    string Status,
    long ImpressionsInStage,
    long? MinImpressions,
    long? PoolSize,
    double CompletionRate,
    double? MinCompletionRate,
    double ShareRate,
    double? MinShareRate,
    long TotalImpressions)
{
    /// <summary>The wire form of <paramref name="promotion"/>.</summary>
    public static PromotionDto From(Exploration.VideoPromotion promotion)
    {
        ArgumentNullException.ThrowIfNull(promotion);
        var snap = promotion.Snapshot();
        var stage = promotion.Stage;
        var final = promotion.StageIndex == promotion.Settings.Stages.Count - 1;
        return new PromotionDto(
            snap.Stage,
            snap.StageIndex,
            promotion.Settings.Stages.Count,
            snap.Status switch
            {
                Exploration.PromotionStatus.Active => "active",
                Exploration.PromotionStatus.Stopped => "stopped",
                _ => "graduated",
            },
            snap.StageImpressions,
            final ? null : stage.MinImpressions,
            final ? null : stage.PoolSize,
            Math.Round(snap.CompletionRate, 4),
            final ? null : stage.MinCompletionRate,
            Math.Round(snap.ShareRate, 4),
            final ? null : stage.MinShareRate,
            snap.TotalImpressions);
    }
}

public sealed record TrendingItemDto(string VideoId, float Velocity);

/// <summary>
/// <c>GET /v1/trending?region=R</c>: videos (<see cref="Items"/>), hashtags and sounds by engagement velocity
/// (weighted events per minute) over the sliding window of <see cref="WindowSeconds"/>.
/// </summary>
/// <summary>
/// <c>GET /v1/trending</c>. <see cref="Source"/> says where <see cref="Items"/> come from: <c>events</c> (the
/// sketches of the event stream over the window; item velocity = weighted events per minute) or
/// <c>catalog-velocity</c> (no event of the region in the window yet: the catalog's decayed engagement velocity,
/// including imported history, as a warm-up ranking). Hashtags and sounds always come from the sketches.
/// </summary>
public sealed record TrendingDto(
    string Region,
    IReadOnlyList<TrendingItemDto> Items,
    IReadOnlyList<TrendingKeyDto>? Hashtags = null,
    IReadOnlyList<TrendingKeyDto>? Sounds = null,
    double? WindowSeconds = null,
    string? Source = null)
{
    /// <summary>Items measured from the event stream's sketches.</summary>
    public const string FromEvents = "events";

    /// <summary>Items from the catalog's decayed engagement velocity (fallback before events arrive).</summary>
    public const string FromCatalogVelocity = "catalog-velocity";
}

/// <summary>A trending hashtag or sound and its velocity (weighted events per minute).</summary>
public sealed record TrendingKeyDto(string Key, float Velocity);

public sealed record FieldErrorDto(string Field, string Message);

/// <summary>RFC 9457 problem details with the list of bad fields.</summary>
public sealed record ProblemDto(string Type, string Title, int Status, string Detail, IReadOnlyList<FieldErrorDto> Errors)
{
    public static ProblemDto FromErrors(int status, IReadOnlyList<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var list = new FieldErrorDto[errors.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = new FieldErrorDto(errors[i].Field, errors[i].Message);
        }

        var detail = errors.Count == 0 ? "invalid request" : errors[0].ToString();
        return new ProblemDto("about:blank", status == 413 ? "Payload too large" : "Invalid request", status, detail, list);
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EventBatchDto))]
[JsonSerializable(typeof(AcceptedDto))]
[JsonSerializable(typeof(VideoUploadDto))]
[JsonSerializable(typeof(FeedResponseDto))]
[JsonSerializable(typeof(UserStateDto))]
[JsonSerializable(typeof(VideoStateDto))]
[JsonSerializable(typeof(TrendingDto))]
[JsonSerializable(typeof(ProblemDto))]
public sealed partial class FeedJsonContext : JsonSerializerContext;
