using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Learning;

/// <summary>
/// What one event says about the match of a user and a video: a binary <see cref="Label"/> (1 = the user liked what
/// they saw, 0 = they did not) and a loss <see cref="Weight"/> (how strongly). See <see cref="LearningRule"/>.
/// </summary>
public readonly record struct EngagementSignal(float Label, float Weight, float WatchRatio, bool Completed)
{
    public bool IsPositive => Label > 0.5f;

    /// <summary>
    /// Reads an event against the video's length. Watch ratio = watchMs / durationMs, where durationMs is the event's
    /// own value or, when it gave none, <paramref name="videoDurationMs"/>; the ratio may exceed 1 through replays and
    /// is clamped to [0, 1 + max-replays-counted]. A view completes when the ratio reaches completion-ratio or it has
    /// replays.
    /// </summary>
    public static EngagementSignal From(InteractionEvent e, long videoDurationMs, LearningSettings s)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(s);
        var duration = e.DurationMs > 0 ? e.DurationMs : videoDurationMs;
        var ratio = duration > 0 ? (float)e.WatchMs / duration : 0f;
        ratio = Math.Clamp(ratio, 0f, 1f + s.MaxReplaysCounted);
        var replays = Math.Min(e.Replays, s.MaxReplaysCounted);
        var completed = e.Type == InteractionType.View && (ratio >= s.CompletionRatio || e.Replays > 0);
        switch (e.Type)
        {
            case InteractionType.View:
                if (!completed && ratio < s.MinPositiveWatchRatio)
                {
                    return new(0f, Cap(s.ShortViewWeight, s), ratio, false);
                }

                var w = (s.WatchWeight * Math.Min(ratio, 1f)) + (completed ? s.CompletionWeight : 0f) + (s.ReplayWeight * replays);
                return new(1f, Cap(w, s), ratio, completed);
            case InteractionType.Like:
                return new(1f, Cap(s.LikeWeight, s), ratio, false);
            case InteractionType.Comment:
                return new(1f, Cap(s.CommentWeight, s), ratio, false);
            case InteractionType.Share:
                return new(1f, Cap(s.ShareWeight, s), ratio, false);
            case InteractionType.Follow:
                return new(1f, Cap(s.FollowWeight, s), ratio, false);
            case InteractionType.Skip:
                return new(0f, Cap(s.SkipWeight, s), ratio, false);
            case InteractionType.NotInterested:
                return new(0f, Cap(s.NotInterestedWeight, s), ratio, false);
            default:
                throw new ArgumentOutOfRangeException(nameof(e), e.Type, "unknown interaction type");
        }
    }

    private static float Cap(float w, LearningSettings s) => Math.Min(w, s.MaxEventWeight);
}
