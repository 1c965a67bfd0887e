namespace ActorRec.Recommender.Model;

/// <summary>
/// The ranking model as the feed engine uses it: <see cref="FeatureBuilder"/> + <see cref="MultiTaskRanker"/> +
/// the score weights. <see cref="Predict"/>/<see cref="Score"/> serve; <c>Learn</c> trains online from one
/// observed impression through the very same feature code. Not thread-safe (one owner).
/// </summary>
public sealed class OnlineRankingModel
{
    private readonly FeatureBuilder _features;
    private readonly MultiTaskRanker _ranker;
    private readonly float[] _x;
    private readonly float[] _gx;
    private readonly float _embeddingLearningRate;

    /// <summary>Creates a model; <paramref name="embeddingLearningRate"/> is the SGD step of the sparse rows.</summary>
    public OnlineRankingModel(FeatureBuilder features, RankerSettings? settings = null, RankingScoreWeights? weights = null, float embeddingLearningRate = 0.05f)
    {
        _features = features ?? throw new ArgumentNullException(nameof(features));
        _ranker = new MultiTaskRanker(features.InputDimension, settings);
        Weights = RankingScoreWeights.Create(weights ?? new RankingScoreWeights());
        _x = new float[features.InputDimension];
        _gx = new float[features.InputDimension];
        if (!(embeddingLearningRate >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(embeddingLearningRate), embeddingLearningRate, "ranking.model.embedding-learning-rate must be non-negative.");
        }

        _embeddingLearningRate = embeddingLearningRate;
    }

    /// <summary>The score weights (an experiment arm may pass its own to <see cref="Score"/>).</summary>
    public RankingScoreWeights Weights { get; }

    /// <summary>The network.</summary>
    public MultiTaskRanker Ranker => _ranker;

    /// <summary>Predicts every task.</summary>
    public TaskPredictions Predict(ReadOnlySpan<float> user, ReadOnlySpan<float> video, ReadOnlySpan<ulong> sparseIds, in RankingContext context)
    {
        _features.Build(user, video, sparseIds, context, _x);
        return _ranker.Predict(_x);
    }

    /// <summary>The weighted task mix (with <paramref name="weights"/> when given, e.g. from an experiment arm).</summary>
    public float Score(ReadOnlySpan<float> user, ReadOnlySpan<float> video, ReadOnlySpan<ulong> sparseIds, in RankingContext context, RankingScoreWeights? weights = null) =>
        (weights ?? Weights).Score(Predict(user, video, sparseIds, context));

    /// <summary>Trains on one observed impression; returns the loss before the step.</summary>
    public float Learn(ReadOnlySpan<float> user, ReadOnlySpan<float> video, ReadOnlySpan<ulong> sparseIds, in RankingContext context, in TaskLabels labels) =>
        Learn(user, video, sparseIds, context, labels, out _);

    /// <summary>
    /// Trains on one observed impression; returns the loss before the step and, in <paramref name="before"/>, the
    /// model's predictions for it before the step (after the sighting is counted, so a sparse id admitted by this
    /// very event is already in the features).
    /// </summary>
    public float Learn(ReadOnlySpan<float> user, ReadOnlySpan<float> video, ReadOnlySpan<ulong> sparseIds, in RankingContext context, in TaskLabels labels,
        out TaskPredictions before)
    {
        _features.Observe(sparseIds, context);
        _features.Build(user, video, sparseIds, context, _x);
        var loss = _ranker.Train(_x, labels, _gx, out before);
        if (_embeddingLearningRate > 0f)
        {
            _features.ApplyGradient(sparseIds, context, _gx, _embeddingLearningRate);
        }

        return loss;
    }
}
