namespace ActorRec.Recommender.Domain;

/// <summary>The online learning rule (<c>actorrec.feed.learning</c>); see <see cref="Learning.LearningRule"/>.</summary>
public sealed record LearningSettings
{
    /// <summary>SGD step size for the user embedding.</summary>
    public float UserLearningRate { get; init; } = 0.08f;

    /// <summary>SGD step size for the video embedding.</summary>
    public float VideoLearningRate { get; init; } = 0.02f;

    /// <summary>L2 penalty on the updated embeddings (per step).</summary>
    public float L2 { get; init; } = 1e-4f;

    /// <summary>Sampled negatives per positive event (the caller supplies them).</summary>
    public int NegativeSamples { get; init; } = 4;

    /// <summary>Loss weight of each sampled negative, relative to a unit positive.</summary>
    public float SampledNegativeWeight { get; init; } = 0.2f;

    /// <summary>Embeddings are projected back into this L2 ball after each step.</summary>
    public float MaxNorm { get; init; } = 4f;

    /// <summary>Total positive or negative label weight of one event is capped here.</summary>
    public float MaxEventWeight { get; init; } = 8f;

    /// <summary>A view counts as complete when watch ratio reaches this (or it has replays).</summary>
    public float CompletionRatio { get; init; } = 0.95f;

    /// <summary>Views below this watch ratio are weak negatives (scrolled away early).</summary>
    public float MinPositiveWatchRatio { get; init; } = 0.1f;

    /// <summary>Positive weight per unit of watch ratio of a view.</summary>
    public float WatchWeight { get; init; } = 0.5f;

    public float CompletionWeight { get; init; } = 1f;

    /// <summary>Added per replay, up to <see cref="MaxReplaysCounted"/>.</summary>
    public float ReplayWeight { get; init; } = 0.5f;

    public int MaxReplaysCounted { get; init; } = 3;

    public float LikeWeight { get; init; } = 2f;

    public float CommentWeight { get; init; } = 2.5f;

    public float ShareWeight { get; init; } = 3f;

    public float FollowWeight { get; init; } = 4f;

    /// <summary>Negative weight of a view below <see cref="MinPositiveWatchRatio"/>.</summary>
    public float ShortViewWeight { get; init; } = 0.3f;

    public float SkipWeight { get; init; } = 1f;

    public float NotInterestedWeight { get; init; } = 3f;

    internal void Validate(string p)
    {
        SettingCheck.Positive($"{p}.user-learning-rate", UserLearningRate);
        SettingCheck.NonNegative($"{p}.video-learning-rate", VideoLearningRate);
        SettingCheck.Range($"{p}.l2", L2, 0, 0.5);
        SettingCheck.Range($"{p}.negative-samples", NegativeSamples, 0, 256);
        SettingCheck.NonNegative($"{p}.sampled-negative-weight", SampledNegativeWeight);
        SettingCheck.Positive($"{p}.max-norm", MaxNorm);
        SettingCheck.Positive($"{p}.max-event-weight", MaxEventWeight);
        SettingCheck.Range($"{p}.completion-ratio", CompletionRatio, 0.01, 1);
        SettingCheck.Range($"{p}.min-positive-watch-ratio", MinPositiveWatchRatio, 0, 1);
        SettingCheck.NonNegative($"{p}.watch-weight", WatchWeight);
        SettingCheck.NonNegative($"{p}.completion-weight", CompletionWeight);
        SettingCheck.NonNegative($"{p}.replay-weight", ReplayWeight);
        SettingCheck.Range($"{p}.max-replays-counted", MaxReplaysCounted, 0, 1000);
        SettingCheck.NonNegative($"{p}.like-weight", LikeWeight);
        SettingCheck.NonNegative($"{p}.comment-weight", CommentWeight);
        SettingCheck.NonNegative($"{p}.share-weight", ShareWeight);
        SettingCheck.NonNegative($"{p}.follow-weight", FollowWeight);
        SettingCheck.NonNegative($"{p}.short-view-weight", ShortViewWeight);
        SettingCheck.NonNegative($"{p}.skip-weight", SkipWeight);
        SettingCheck.NonNegative($"{p}.not-interested-weight", NotInterestedWeight);
    }
}
