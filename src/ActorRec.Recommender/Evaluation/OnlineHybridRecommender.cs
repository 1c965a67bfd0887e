using System.Numerics.Tensors;

namespace ActorRec.Recommender.Evaluation;

/// <summary>Settings of <see cref="OnlineHybridRecommender"/>.</summary>
/// <param name="Dimension">Latent factors of the online MF part.</param>
/// <param name="LearningRate">SGD step of the BPR updates.</param>
/// <param name="Regularization">L2 weight of the BPR updates.</param>
/// <param name="NegativeSamples">Uniform negatives per positive event.</param>
/// <param name="ReplaySteps">Extra BPR steps per positive on past positives drawn from a reservoir (experience replay).</param>
/// <param name="ReplayCapacity">Size of the replay reservoir.</param>
/// <param name="PopularityHalfLife">Half-life, in events, of the decayed popularity counts.</param>
/// <param name="SequenceWindow">Recent items per user that feed and query the item-to-item co-occurrence.</param>
/// <param name="SequenceDecay">Weight ratio between successive recent items (most recent weighs 1).</param>
/// <param name="MfWeight">Weight of the MF score in the final score.</param>
/// <param name="PopularityWeight">Weight of log(1 + decayed popularity).</param>
/// <param name="SequenceWeight">Weight of the item-to-item score.</param>
/// <param name="Seed">Initialisation and sampling seed.</param>
public sealed record OnlineHybridSettings(
    int Dimension = 32,
    float LearningRate = 0.05f,
    float Regularization = 0.002f,
    int NegativeSamples = 4,
    int ReplaySteps = 4,
    int ReplayCapacity = 200_000,
    double PopularityHalfLife = 20_000,
    int SequenceWindow = 10,
    float SequenceDecay = 0.8f,
    float MfWeight = 0.3f,
    float PopularityWeight = 1f,
    float SequenceWeight = 20f,
    int Seed = 5)
{
    /// <summary>Validates and names the bad key.</summary>
    public static OnlineHybridSettings Create(OnlineHybridSettings values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Check(values.Dimension > 0, "eval.online.dimension", "must be positive", values.Dimension);
        Check(values.LearningRate > 0f, "eval.online.learning-rate", "must be positive", values.LearningRate);
        Check(values.Regularization >= 0f, "eval.online.regularization", "must be non-negative", values.Regularization);
        Check(values.NegativeSamples >= 1, "eval.online.negative-samples", "must be at least 1", values.NegativeSamples);
        Check(values.ReplaySteps >= 0, "eval.online.replay-steps", "must be non-negative", values.ReplaySteps);
        Check(values.ReplayCapacity >= 1, "eval.online.replay-capacity", "must be at least 1", values.ReplayCapacity);
        Check(values.PopularityHalfLife > 0, "eval.online.popularity-half-life", "must be positive", values.PopularityHalfLife);
        Check(values.SequenceWindow >= 1, "eval.online.sequence-window", "must be at least 1", values.SequenceWindow);
        Check(values.SequenceDecay is > 0f and <= 1f, "eval.online.sequence-decay", "must be in (0, 1]", values.SequenceDecay);
        Check(values.MfWeight >= 0f && values.PopularityWeight >= 0f && values.SequenceWeight >= 0f, "eval.online.*-weight", "must be non-negative", values.MfWeight);
        return values;
    }

    private static void Check(bool ok, string key, string rule, object value)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(key, value, $"{key} {rule}.");
        }
    }
}

/// <summary>
/// A pure online recommender trained per event: online BPR matrix factorisation with sampled negatives and
/// experience replay, blended with time-decayed popularity and an item-to-item score from the co-occurrence of
/// items in users' recent histories (the short-term "what people watch next" signal). Every part is updated by
/// <see cref="Observe"/>; nothing is trained in batch.
/// </summary>
public sealed class OnlineHybridRecommender : IOnlineRecommender
{
    private readonly OnlineHybridSettings _settings;
    private readonly int _dimension;
    private readonly int _itemCount;
    private readonly float[] _users;
    private readonly float[] _items;
    private readonly float[] _bias;
    private readonly float[] _scores;
    private readonly float[] _sequenceScores;
    private readonly float[] _stepScratch;
    private readonly double[] _popularity;
    private readonly Dictionary<int, float>?[] _cooccurrence;
    private readonly float[] _itemOccurrences;
    private readonly int[][] _recent;
    private readonly int[] _recentCount;
    private readonly (int User, int Item)[] _replay;
    private readonly Random _random;
    private readonly double _growth;
    private double _popularityScale = 1.0;
    private long _positivesSeen;

    /// <summary>Creates an untrained model over the given catalogue.</summary>
    public OnlineHybridRecommender(int userCount, int itemCount, OnlineHybridSettings? settings = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(itemCount);
        _settings = OnlineHybridSettings.Create(settings ?? new OnlineHybridSettings());
        _dimension = _settings.Dimension;
        _itemCount = itemCount;
        _random = new Random(_settings.Seed);
        _users = FactorMath.RandomMatrix(userCount, _dimension, 0.01f, _random);
        _items = FactorMath.RandomMatrix(itemCount, _dimension, 0.1f, _random);
        _bias = new float[itemCount];
        _scores = new float[itemCount];
        _sequenceScores = new float[itemCount];
        _stepScratch = new float[_dimension];
        _popularity = new double[itemCount];
        _cooccurrence = new Dictionary<int, float>?[itemCount];
        _itemOccurrences = new float[itemCount];
        _recent = new int[userCount][];
        _recentCount = new int[userCount];
        _replay = new (int, int)[_settings.ReplayCapacity];
        _growth = Math.Pow(2.0, 1.0 / _settings.PopularityHalfLife);
    }

    /// <inheritdoc />
    public string Name => "online_hybrid";

    /// <inheritdoc />
    public int TopK(int user, int k, IReadOnlySet<int> exclude, Span<int> destination)
    {
        var s = _settings;
        FactorMath.ScoreAll(_items, _bias, _users.AsSpan(user * _dimension, _dimension), _scores);
        TensorPrimitives.Multiply(_scores, s.MfWeight, _scores);
        for (var i = 0; i < _itemCount; i++)
        {
            _scores[i] += s.PopularityWeight * (float)Math.Log(1.0 + (_popularity[i] / _popularityScale));
        }

        if (s.SequenceWeight > 0f && FillSequenceScores(user))
        {
            TensorPrimitives.MultiplyAdd(_sequenceScores, s.SequenceWeight, _scores, _scores);
        }

        return TopKSelector.Select(_scores, k, exclude, destination);
    }

    /// <inheritdoc />
    public void Observe(in Interaction interaction)
    {
        var u = interaction.User;
        var i = interaction.Item;
        RecordSequence(u, i);
        if (!interaction.Positive)
        {
            return;
        }

        // Decayed popularity: every count is stored multiplied by growth^t, so one add decays all the others.
        _popularityScale *= _growth;
        _popularity[i] += _popularityScale;
        if (_popularityScale > 1e200)
        {
            for (var j = 0; j < _popularity.Length; j++)
            {
                _popularity[j] /= _popularityScale;
            }

            _popularityScale = 1.0;
        }

        for (var n = 0; n < _settings.NegativeSamples; n++)
        {
            Step(u, i, _random.Next(_itemCount));
        }

        var stored = (int)Math.Min(_positivesSeen, _replay.Length);
        for (var r = 0; r < _settings.ReplaySteps && stored > 0; r++)
        {
            var (ru, ri) = _replay[_random.Next(stored)];
            Step(ru, ri, _random.Next(_itemCount));
        }

        // Reservoir sampling keeps a uniform sample of every positive seen so far.
        if (_positivesSeen < _replay.Length)
        {
            _replay[_positivesSeen] = (u, i);
        }
        else
        {
            var slot = _random.NextInt64(_positivesSeen + 1);
            if (slot < _replay.Length)
            {
                _replay[slot] = (u, i);
            }
        }

        _positivesSeen++;
    }

    private void Step(int u, int i, int j)
    {
        if (i == j)
        {
            return;
        }

        FactorMath.BprStep(
            _users.AsSpan(u * _dimension, _dimension),
            _items.AsSpan(i * _dimension, _dimension),
            _items.AsSpan(j * _dimension, _dimension),
            ref _bias[i],
            ref _bias[j],
            _settings.LearningRate,
            _settings.Regularization,
            _stepScratch);
    }

    private void RecordSequence(int user, int item)
    {
        var window = _settings.SequenceWindow;
        var recent = _recent[user] ??= new int[window];
        var count = _recentCount[user];
        var weight = 1f;
        for (var back = 1; back <= Math.Min(count, window); back++)
        {
            var previous = recent[(count - back) % window];
            if (previous != item)
            {
                AddCooccurrence(previous, item, weight);
                AddCooccurrence(item, previous, weight);
            }

            weight *= _settings.SequenceDecay;
        }

        _itemOccurrences[item] += 1f;
        recent[count % window] = item;
        _recentCount[user] = count + 1;
    }

    private void AddCooccurrence(int from, int to, float weight)
    {
        var map = _cooccurrence[from] ??= new Dictionary<int, float>();
        map[to] = map.GetValueOrDefault(to) + weight;
    }

    /// <summary>Σ over the user's recent items j (decayed by recency) of co(j, i) / sqrt(n_j · n_i).</summary>
    private bool FillSequenceScores(int user)
    {
        var count = _recentCount[user];
        if (count == 0)
        {
            return false;
        }

        Array.Clear(_sequenceScores);
        var window = _settings.SequenceWindow;
        var recent = _recent[user];
        var weight = 1f;
        for (var back = 1; back <= Math.Min(count, window); back++)
        {
            var j = recent[(count - back) % window];
            var map = _cooccurrence[j];
            if (map is not null)
            {
                var norm = weight / MathF.Sqrt(_itemOccurrences[j]);
                foreach (var (i, c) in map)
                {
                    _sequenceScores[i] += norm * c / MathF.Sqrt(_itemOccurrences[i]);
                }
            }

            weight *= _settings.SequenceDecay;
        }

        return true;
    }
}
