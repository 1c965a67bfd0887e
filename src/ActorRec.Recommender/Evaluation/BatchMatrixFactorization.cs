namespace ActorRec.Recommender.Evaluation;

/// <summary>Settings of the batch matrix-factorisation baseline.</summary>
/// <param name="Dimension">Latent factors.</param>
/// <param name="Epochs">Passes over the training positives.</param>
/// <param name="LearningRate">SGD step.</param>
/// <param name="Regularization">L2 weight.</param>
/// <param name="Seed">Initialisation and sampling seed.</param>
public sealed record BatchMfSettings(int Dimension = 64, int Epochs = 30, float LearningRate = 0.05f, float Regularization = 0.005f, int Seed = 11)
{
    /// <summary>Validates and names the bad key.</summary>
    public static BatchMfSettings Create(int dimension = 64, int epochs = 30, float learningRate = 0.05f, float regularization = 0.005f, int seed = 11)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension, "eval.batch-mf.dimension");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs, "eval.batch-mf.epochs");
        if (!(learningRate > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "eval.batch-mf.learning-rate must be positive.");
        }

        if (!(regularization >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(regularization), regularization, "eval.batch-mf.regularization must be non-negative.");
        }

        return new BatchMfSettings(dimension, epochs, learningRate, regularization, seed);
    }
}

/// <summary>
/// The batch baseline: BPR matrix factorisation trained once, for several epochs, on the positives of a training
/// prefix of the log, then frozen (it ignores <see cref="Observe"/>). Users unseen in training fall back to the
/// item biases, i.e. to a learned popularity.
/// </summary>
public sealed class BatchMatrixFactorization : IOnlineRecommender
{
    private readonly int _dimension;
    private readonly float[] _users;
    private readonly float[] _items;
    private readonly float[] _bias;
    private readonly float[] _scores;

    /// <summary>Trains on <paramref name="training"/> (the positives among them) over the given catalogue size.</summary>
    public BatchMatrixFactorization(ReadOnlySpan<Interaction> training, int userCount, int itemCount, BatchMfSettings? settings = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(itemCount);
        settings ??= new BatchMfSettings();
        _dimension = settings.Dimension;
        var random = new Random(settings.Seed);
        _users = FactorMath.RandomMatrix(userCount, _dimension, 0.1f, random);
        _items = FactorMath.RandomMatrix(itemCount, _dimension, 0.1f, random);
        _bias = new float[itemCount];
        _scores = new float[itemCount];

        var positives = new List<(int User, int Item)>();
        var userPositives = new HashSet<long>();
        var trained = new bool[userCount];
        foreach (var e in training)
        {
            if (e.Positive)
            {
                trained[e.User] = true;
                positives.Add((e.User, e.Item));
                userPositives.Add(((long)e.User << 32) | (uint)e.Item);
            }
        }

        var order = positives.ToArray();
        var scratch = new float[_dimension];
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var (u, i) in order)
            {
                var j = random.Next(itemCount);
                for (var attempt = 0; attempt < 16 && userPositives.Contains(((long)u << 32) | (uint)j); attempt++)
                {
                    j = random.Next(itemCount);
                }

                FactorMath.BprStep(
                    _users.AsSpan(u * _dimension, _dimension),
                    _items.AsSpan(i * _dimension, _dimension),
                    _items.AsSpan(j * _dimension, _dimension),
                    ref _bias[i],
                    ref _bias[j],
                    settings.LearningRate,
                    settings.Regularization,
                    scratch);
            }
        }

        // A user with no training positive keeps no random factors: it is scored by the item biases alone.
        for (var u = 0; u < userCount; u++)
        {
            if (!trained[u])
            {
                _users.AsSpan(u * _dimension, _dimension).Clear();
            }
        }
    }

    /// <inheritdoc />
    public string Name => "batch_mf";

    /// <inheritdoc />
    public int TopK(int user, int k, IReadOnlySet<int> exclude, Span<int> destination)
    {
        FactorMath.ScoreAll(_items, _bias, _users.AsSpan(user * _dimension, _dimension), _scores);
        return TopKSelector.Select(_scores, k, exclude, destination);
    }

    /// <inheritdoc />
    public void Observe(in Interaction interaction)
    {
        // Trained once on the prefix; the batch baseline does not learn online by definition.
    }
}
