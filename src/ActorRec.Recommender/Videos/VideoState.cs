using System.Diagnostics;
using System.Numerics.Tensors;
using ActorRec.Recommender.Domain;
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
/// Cold start: a video starts in stage 0 (its test audience). When its impressions reach
/// <c>stage-impressions[stage]</c>, it is promoted to the next pool if its completion rate (completions / views)
/// reaches promotion-completion-rate or its share rate (shares / impressions) reaches promotion-share-rate;
/// otherwise it stops being pushed (<see cref="StageStopped"/>). Past the last threshold it is in the "all" pool.
/// Impressions are view and skip events (the video was on screen).
/// </para>
/// </summary>
[DebuggerDisplay("Video {VideoId}: {EventCount} events, stage {StageName}")]
public sealed class VideoState
{
    private readonly FeedSettings _settings;
    private readonly KeyRingSet _appliedIds;
    private float[] _embedding;
    private double _watchRatioSum;
    private long _velocityAtTicks;

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
        _appliedIds = new KeyRingSet(settings.Video.IdempotencyWindow);
        _velocityAtTicks = uploadedAt.UtcTicks;
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

    /// <summary>Cold-start stage: 0 is the test audience, stage-impressions.Count is "all".</summary>
    public int Stage { get; private set; }

    /// <summary>The video failed a promotion check and is no longer pushed to new audiences.</summary>
    public bool StageStopped { get; private set; }

    public bool InTestAudience => Stage == 0 && !StageStopped;

    public string StageName => StageStopped ? "stopped"
        : Stage == 0 ? "test"
        : Stage >= _settings.Video.StageImpressions.Count ? "all"
        : $"pool-{Stage}";

    /// <summary>Impressions at which the current stage ends (null in "all" or when stopped).</summary>
    public int? StageLimit => StageStopped || Stage >= _settings.Video.StageImpressions.Count ? null : _settings.Video.StageImpressions[Stage];

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

    public VideoSnapshot ToSnapshot() => new(
        VideoId, Upload, UploadedAt, _embedding.ToArray(), EventCount, Impressions, Views, Completions, Likes, Shares,
        Comments, Skips, Follows, NotInterested, _watchRatioSum, Velocity, _velocityAtTicks, Moderation, Stage,
        StageStopped, _appliedIds.ToArray());

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
        v.Stage = s.Stage;
        v.StageStopped = s.StageStopped;
        foreach (var k in s.AppliedIds)
        {
            v._appliedIds.Add(k);
        }

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
        Upload.Hashtags, Upload.DurationMs, UploadedAt, StageLimit);

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

        if (!_appliedIds.Add(e.IdKey))
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
                break;
            case InteractionType.Skip:
                Impressions++;
                Skips++;
                break;
            case InteractionType.Like:
                Likes++;
                break;
            case InteractionType.Share:
                Shares++;
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
        AdvanceStage();
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
        AdvanceStage();
    }

    private void AdvanceStage()
    {
        var stages = _settings.Video.StageImpressions;
        while (!StageStopped && Stage < stages.Count && Impressions >= stages[Stage])
        {
            var completion = Views == 0 ? 0.0 : (double)Completions / Views;
            var share = Impressions == 0 ? 0.0 : (double)Shares / Impressions;
            if (completion >= _settings.Video.PromotionCompletionRate || share >= _settings.Video.PromotionShareRate)
            {
                Stage++;
            }
            else
            {
                StageStopped = true;
            }
        }
    }

    public float EmbeddingNorm => TensorPrimitives.Norm(_embedding);
}
