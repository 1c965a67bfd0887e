namespace ActorRec.Recommender.Model;

/// <summary>The tasks the ranker predicts, in head order.</summary>
public enum RankingTask
{
    /// <summary>Probability the video is watched to the end.</summary>
    Completion = 0,

    /// <summary>Probability of a like.</summary>
    Like = 1,

    /// <summary>Probability of a share.</summary>
    Share = 2,

    /// <summary>Probability of a follow of the creator.</summary>
    Follow = 3,

    /// <summary>Probability of a skip (scroll past).</summary>
    Skip = 4,

    /// <summary>Expected watch time over duration (regression).</summary>
    WatchRatio = 5,
}

/// <summary>What the ranker predicts for one (user, video, context).</summary>
public readonly record struct TaskPredictions(float Completion, float Like, float Share, float Follow, float Skip, float WatchRatio)
{
    /// <summary>Number of tasks (heads).</summary>
    public const int Count = 6;

    /// <summary>The prediction of one task.</summary>
    public float this[RankingTask task] => task switch
    {
        RankingTask.Completion => Completion,
        RankingTask.Like => Like,
        RankingTask.Share => Share,
        RankingTask.Follow => Follow,
        RankingTask.Skip => Skip,
        RankingTask.WatchRatio => WatchRatio,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown task."),
    };
}

/// <summary>Which task heads an example teaches (a like event says nothing about completion, for instance).</summary>
[Flags]
public enum TaskMask
{
    /// <summary>No head.</summary>
    None = 0,

    /// <summary>The completion head.</summary>
    Completion = 1,

    /// <summary>The like head.</summary>
    Like = 2,

    /// <summary>The share head.</summary>
    Share = 4,

    /// <summary>The follow head.</summary>
    Follow = 8,

    /// <summary>The skip head.</summary>
    Skip = 16,

    /// <summary>The watch-ratio head.</summary>
    WatchRatio = 32,

    /// <summary>Every head.</summary>
    All = 63,
}

/// <summary>What was observed for one impression: the training labels.</summary>
/// <param name="Completed">Watched to the end.</param>
/// <param name="Liked">Liked.</param>
/// <param name="Shared">Shared.</param>
/// <param name="Followed">Followed the creator.</param>
/// <param name="Skipped">Scrolled past.</param>
/// <param name="WatchRatio">Watch time over duration (replays can push it above 1).</param>
/// <param name="Mask">The heads this example teaches; the others get no gradient.</param>
public readonly record struct TaskLabels(bool Completed, bool Liked, bool Shared, bool Followed, bool Skipped, float WatchRatio, TaskMask Mask = TaskMask.All);

/// <summary>Weights of the final score: score = Σ weight × prediction (a negative weight penalises, e.g. skip).</summary>
public sealed record RankingScoreWeights(
    float Completion = 1.0f,
    float Like = 2.0f,
    float Share = 4.0f,
    float Follow = 4.0f,
    float Skip = -1.0f,
    float WatchRatio = 1.0f)
{
    /// <summary>Validates: every weight finite.</summary>
    public static RankingScoreWeights Create(RankingScoreWeights values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ReadOnlySpan<(string Key, float Value)> all =
        [
            ("ranking.weights.completion", values.Completion), ("ranking.weights.like", values.Like),
            ("ranking.weights.share", values.Share), ("ranking.weights.follow", values.Follow),
            ("ranking.weights.skip", values.Skip), ("ranking.weights.watch-ratio", values.WatchRatio),
        ];
        foreach (var (key, value) in all)
        {
            if (!float.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(key, value, $"{key} must be a finite number.");
            }
        }

        return values;
    }

    /// <summary>The weighted mix of the task predictions.</summary>
    public float Score(in TaskPredictions p) =>
        (Completion * p.Completion) + (Like * p.Like) + (Share * p.Share) + (Follow * p.Follow) + (Skip * p.Skip) + (WatchRatio * p.WatchRatio);
}
