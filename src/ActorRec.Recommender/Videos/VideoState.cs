using System.Diagnostics;
using System.Numerics.Tensors;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Exploration;
using ActorRec.Recommender.Learning;

namespace ActorRec.Recommender.Videos;

/// <summary>Trust and safety state of a video. Only <see cref="Approved"/> videos are ever served.</summary>
public enum ModerationState : byte
{
    Approved,
    UnderReview,
    Removed,
}

/// <summary>
/// The live state of one video, as held by the persistent VideoActor. <c>Apply</c> is a pure transition used
/// live and in replay; it takes the user's embedding at the time of the event (journaled with it).
/// <para>
/// Cold start: the video climbs the <see cref="VideoPromotion"/> ladder of <c>video.promotion-stages</c> (a test
/// audience, growing pools, then "all"); each stage is judged on its own impressions, completions and shares.
/// Impressions are view and skip events (the video was on screen); a completed view counts as a completion.
/// </para>
/// </summary>
[DebuggerDisplay("Video {VideoId}: {EventCount} events, stage {StageName}")]
public sealed class VideoState
{
    private readonly FeedSettings _settings;
    private AppliedIds _appliedIds;
    private float[] _embedding;
    private double _watchRatioSum;
    private long _velocityAtTicks;
    private readonly VideoPromotion _promotion;

    public VideoState(string videoId, VideoUpload upload, DateTimeOffset uploadedAt, FeedSettings settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoId);
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(settings);
        VideoId = videoId;
        Upload = upload;
        UploadedAt = uploadedAt;
        _settings = settings;
        _embedding = ContentEmbedder.Embed(upload, settings.EmbeddingDim, settings.Video);
        _appliedIds = new AppliedIds(settings.Video.IdempotencyWindow, settings.Video.IdempotencyHorizon, settings.Video.IdempotencyMax);
        _velocityAtTicks = uploadedAt.UtcTicks;
        _promotion = new VideoPromotion(settings.Video.Promotion);
    }

    public string VideoId { get; }

    public ulong Key => DomainKeys.Video(VideoId);

    public VideoUpload Upload { get; private set; }

    public DateTimeOffset UploadedAt { get; }

    public string CreatorId => Upload.CreatorId;

    public string Topic => Upload.PrimaryTopic;

    public ReadOnlySpan<float> Embedding => _embedding;

    public long EventCount { get; private set; }

    public long Impressions { get; private set; }

    public long Views { get; private set; }

    public long Completions { get; private set; }

    public long Likes { get; private set; }

    public long Shares { get; private set; }

    public long Comments { get; private set; }

    public long Skips { get; private set; }

    public long Follows { get; private set; }

    public long NotInterested { get; private set; }

    public float MeanWatchRatio => Views == 0 ? 0f : (float)(_watchRatioSum / Views);

    /// <summary>Decayed engagement (positive label weight) as of the last event.</summary>
    public float Velocity { get; private set; }

    public DateTimeOffset VelocityAt => new(_velocityAtTicks, TimeSpan.Zero);

    public ModerationState Moderation { get; private set; }

    /// <summary>Cold-start stage index on the promotion ladder: 0 is the test audience, the last is "all".</summary>
    public int Stage => _promotion.StageIndex;

    /// <summary>The video failed a promotion check and is no longer pushed to new audiences.</summary>
    public bool StageStopped => _promotion.Status == PromotionStatus.Stopped;

    public bool InTestAudience => Stage == 0 && !StageStopped;

    /// <summary>Whether the cold-start path pushes the video now (active in a judged stage with pool left).</summary>
    public bool InPromotionPool => _promotion.InPromotionPool;

    /// <summary>The video's place on the promotion ladder (read-only view for display).</summary>
    public VideoPromotion Promotion => _promotion;

    public string StageName => _promotion.Stage.Name;

    /// <summary>Impressions at which the current stage is judged (null in the final stage or when stopped).</summary>
    public long? StageLimit => StageStopped || _promotion.Status == PromotionStatus.Graduated ? null : _promotion.Stage.MinImpressions;

    /// <summary>True when the event with this id key is in the idempotency window (applying it would change nothing).</summary>
    public bool HasApplied(ulong eventIdKey) => _appliedIds.Contains(eventIdKey);

    public VideoFacts ToFacts() => new(VideoId, CreatorId, Topic, Upload.DurationMs, _embedding.ToArray());

    /// <summary>Velocity decayed to <paramref name="now"/>.</summary>
    public float VelocityAtTime(DateTimeOffset now) => DecayVelocity(Velocity, _velocityAtTicks, now, _settings.Video.VelocityHalfLife);

    public static float DecayVelocity(float velocity, long atTicks, DateTimeOffset now, TimeSpan halfLife)
    {
        var dt = now.UtcTicks - atTicks;
        return dt <= 0 ? velocity : velocity * (float)Math.Pow(2, -(double)dt / halfLife.Ticks);
    }

    /// <summary>Replaces the metadata (a repeated PUT). The embedding is re-derived only while no event has shaped it.</summary>
    public void Update(VideoUpload upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        Upload = upload;
        if (EventCount == 0)
        {
            _embedding = ContentEmbedder.Embed(upload, _settings.EmbeddingDim, _settings.Video);
        }
    }

    public void SetModeration(ModerationState state) => Moderation = state;

    /// <summary>Applies a journaled interaction (live or in replay); see <see cref="VideoInteraction"/>.</summary>
    public bool Apply(VideoInteraction interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        return Apply(interaction.Event, interaction.UserEmbedding);
    }

    public VideoSnapshot ToSnapshot()
    {
        var (applied, appliedSeconds) = _appliedIds.ToArrays();
        return new(
            VideoId, Upload, UploadedAt, _embedding.ToArray(), EventCount, Impressions, Views, Completions, Likes, Shares,
            Comments, Skips, Follows, NotInterested, _watchRatioSum, Velocity, _velocityAtTicks, Moderation, Stage,
            StageStopped, applied, _promotion.Counters, appliedSeconds);
    }

    public static VideoState FromSnapshot(VideoSnapshot s, FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(s);
        var v = new VideoState(s.VideoId, s.Upload, s.UploadedAt, settings);
        if (s.Embedding.Length != v._embedding.Length)
        {
            throw new ArgumentException($"snapshot dimension {s.Embedding.Length} differs from the configured {v._embedding.Length}", nameof(s));
        }

        v._embedding = s.Embedding.ToArray();
        v.EventCount = s.EventCount;
        v.Impressions = s.Impressions;
        v.Views = s.Views;
        v.Completions = s.Completions;
        v.Likes = s.Likes;
        v.Shares = s.Shares;
        v.Comments = s.Comments;
        v.Skips = s.Skips;
        v.Follows = s.Follows;
        v.NotInterested = s.NotInterested;
        v._watchRatioSum = s.WatchRatioSum;
        v.Velocity = s.Velocity;
        v._velocityAtTicks = s.VelocityAtTicks;
        v.Moderation = s.Moderation;
        v._promotion.Restore(s.Promotion ?? v.LegacyCounters(s));
        // A snapshot from before event seconds were kept: its ids count as of its last velocity update (its newest event).
        v._appliedIds.Restore(s.AppliedIds, s.AppliedSeconds, AppliedIds.SecondOf(new DateTimeOffset(s.VelocityAtTicks, TimeSpan.Zero)));

        return v;
    }

    /// <summary>The wire form of <c>GET /v1/videos/{videoId}</c>.</summary>
    public VideoStateDto ToDto() => new(
        VideoId, CreatorId, EventCount, EmbeddingNorm, Impressions, Views, Completions, Likes, Shares, Comments, Skips,
        MeanWatchRatio, Velocity, StageName, Moderation switch
        {
            ModerationState.Approved => "approved",
            ModerationState.UnderReview => "under_review",
            _ => "removed",
        },
        Upload.Hashtags, Upload.DurationMs, UploadedAt, StageLimit, PromotionDto.From(_promotion));

    /// <summary>
    /// Applies one interaction; returns false (changing nothing) when the event id is in the idempotency window.
    /// <paramref name="userEmbedding"/> is the user's long-term embedding before that user applied the event.
    /// </summary>
    public bool Apply(InteractionEvent e, ReadOnlySpan<float> userEmbedding)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!string.Equals(e.VideoId, VideoId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"event {e.Id} is about video {e.VideoId}, not {VideoId}", nameof(e));
        }

        if (!_appliedIds.Add(e.IdKey, e.Timestamp))
        {
            return false;
        }

        EventCount++;
        var signal = EngagementSignal.From(e, Upload.DurationMs, _settings.Learning);
        if (_settings.Learning.VideoLearningRate > 0f)
        {
            LearningRule.UpdateVideo(_embedding, userEmbedding, signal, _settings.Learning);
        }

        switch (e.Type)
        {
            case InteractionType.View:
                Impressions++;
                Views++;
                _watchRatioSum += Math.Min(signal.WatchRatio, 1f);
                Completions += signal.Completed ? 1 : 0;
                _promotion.RecordImpression(signal.Completed);
                break;
            case InteractionType.Skip:
                Impressions++;
                Skips++;
                _promotion.RecordImpression(completed: false);
                break;
            case InteractionType.Like:
                Likes++;
                break;
            case InteractionType.Share:
                Shares++;
                _promotion.RecordShare();
                break;
            case InteractionType.Comment:
                Comments++;
                break;
            case InteractionType.Follow:
                Follows++;
                break;
            case InteractionType.NotInterested:
                NotInterested++;
                break;
            default:
                break;
        }

        var v = DecayVelocity(Velocity, _velocityAtTicks, e.Timestamp, _settings.Video.VelocityHalfLife);
        if (e.Timestamp.UtcTicks > _velocityAtTicks)
        {
            _velocityAtTicks = e.Timestamp.UtcTicks;
        }

        Velocity = signal.IsPositive ? v + signal.Weight : v;
        return true;
    }

    /// <summary>
    /// Seeds the counters of a video imported with history (demo catalogs, backfills); the VideoActor journals it as
    /// one bootstrap event. Only allowed before any event.
    /// </summary>
    public void SeedHistory(long impressions, long views, long completions, long likes, long shares, float meanWatchRatio, float velocity, DateTimeOffset at)
    {
        if (EventCount != 0)
        {
            throw new InvalidOperationException($"video {VideoId} already has events; history can only seed a new video");
        }

        if (impressions < 0 || views < 0 || completions < 0 || likes < 0 || shares < 0 || views > impressions || completions > views)
        {
            throw new ArgumentException("history counters must be non-negative with completions ≤ views ≤ impressions");
        }

        Impressions = impressions;
        Views = views;
        Completions = completions;
        Likes = likes;
        Shares = shares;
        _watchRatioSum = Math.Clamp(meanWatchRatio, 0f, 1f) * (double)views;
        Velocity = Math.Max(0f, velocity);
        _velocityAtTicks = at.UtcTicks;
        _promotion.Seed(impressions, completions, shares);
    }

    /// <summary>A snapshot from before the per-stage ladder kept only the stage and whether it stopped.</summary>
    private PromotionCounters LegacyCounters(VideoSnapshot s)
    {
        var last = _promotion.Settings.Stages.Count - 1;
        var stage = Math.Clamp(s.Stage, 0, last);
        var status = s.StageStopped ? PromotionStatus.Stopped : stage == last ? PromotionStatus.Graduated : PromotionStatus.Active;
        return new(stage, status, 0, 0, 0, s.Impressions);
    }

    public float EmbeddingNorm => TensorPrimitives.Norm(_embedding);
}
