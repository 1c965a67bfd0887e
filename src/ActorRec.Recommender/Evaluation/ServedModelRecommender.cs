using System.Numerics.Tensors;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Ranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Evaluation;

/// <summary>
/// The served model ("actorrec") replayed by the prequential loop. It runs the very code the actors run, not a
/// copy: each interaction becomes an <see cref="InteractionEvent"/> that a <see cref="UserState"/> applies (the
/// UserActor's transition: <c>LearningRule.UpdateUser</c> with sampled negatives, the session vector, recent items)
/// and a <see cref="VideoState"/> applies with the user's pre-event embedding (the VideoActor's transition:
/// <c>LearningRule.UpdateVideo</c>, view/completion counters, engagement velocity), in the order the feed engine
/// uses. A top-k request builds the user's query as the feed does (<see cref="UserState.BuildQuery"/>: long-term
/// embedding blended with the decayed session vector) and scores every item with the ranker's mix
/// (see <c>FeedRanker</c>): <c>w_e·σ(scale·q·v) + w_c·(completions + α)/(views + α + β) + w_v·(1 − e^{−velocity/scale})</c>.
/// <para>
/// Mapping of the logs onto the served event vocabulary: a KuaiRand row is a view with its play time and duration
/// (the served <c>EngagementSignal</c> reads the ratio); a MovieLens rating r is a view whose watch ratio stands for
/// how much the user liked the film: r ≥ 4 → 1.0 (a completion), r = 3 → 0.5, r ≤ 2 → 0.05 (an early scroll-away,
/// a weak negative). Negatives are drawn like <c>NegativeSampler</c> does: uniform catalog rows other than the
/// event's video, from a generator seeded by the event id.
/// </para>
/// <para>
/// The eval clock is the data set's own time: before a top-k request the loop advances it to the event's timestamp
/// (<see cref="IOnlineRecommender.AdvanceTo"/>), so session and velocity decay as they would have live.
/// </para>
/// </summary>
public sealed class ServedModelRecommender : IOnlineRecommender
{
    private const long ViewDurationMs = 10_000;

    private readonly FeedSettings _settings;
    private readonly StrengthKind _kind;
    private readonly int _dimension;
    private readonly int _itemCount;
    private readonly UserState?[] _users;
    private readonly VideoState?[] _videos;
    private readonly float[] _items;
    private readonly float[] _completionPart;
    private readonly float[] _velocity;
    private readonly float[] _velocityAt;
    private readonly float[] _scores;
    private readonly float[] _decay;
    private readonly float[] _query;
    private readonly float[] _userBefore;
    private readonly float[] _negatives;
    private readonly int[] _negativeRows;
    private readonly CoEngagementTable _coEngagement;
    private readonly Dictionary<ulong, int> _itemOfKey;
    private readonly int[] _seeds;
    private readonly int[] _coRows;
    private readonly float[] _coScores;
    private long _origin = long.MinValue;
    private long _nowMs;
    private long _events;

    /// <summary>Creates the model over a catalogue of <paramref name="itemCount"/> items with the served settings.</summary>
    public ServedModelRecommender(int userCount, int itemCount, StrengthKind kind, FeedSettings? settings = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(itemCount);
        _settings = settings ?? new FeedSettings();
        _settings.Validate();
        _kind = kind;
        _dimension = _settings.EmbeddingDim;
        _itemCount = itemCount;
        _users = new UserState?[userCount];
        _videos = new VideoState?[itemCount];
        _items = new float[itemCount * _dimension];
        _completionPart = new float[itemCount];
        _velocity = new float[itemCount];
        _velocityAt = new float[itemCount];
        _scores = new float[itemCount];
        _decay = new float[itemCount];
        _query = new float[_dimension];
        _userBefore = new float[_dimension];
        var k = _settings.Learning.NegativeSamples;
        _negatives = new float[k * _dimension];
        _negativeRows = new int[k];
        var rs = _settings.Retrieval;
        _coEngagement = new CoEngagementTable(rs.CoEngagementNeighbours, rs.CoEngagementWindow, rs.CoEngagementDecay, itemCount);
        _itemOfKey = new Dictionary<ulong, int>(itemCount);
        _seeds = new int[rs.CoEngagementWindow];
        _coRows = new int[rs.CoEngagementWindow * rs.CoEngagementNeighbours];
        _coScores = new float[_coRows.Length];
        var r = _settings.Ranking;
        var prior = r.CompletionPriorAlpha / (r.CompletionPriorAlpha + r.CompletionPriorBeta);
        for (var i = 0; i < itemCount; i++)
        {
            var video = Video(i);
            video.Embedding.CopyTo(_items.AsSpan(i * _dimension, _dimension));
            _completionPart[i] = prior;
            _itemOfKey[video.Key] = i;
        }
    }

    /// <inheritdoc />
    public string Name => "actorrec";

    /// <summary>The settings the model runs with (the served defaults unless given).</summary>
    public FeedSettings Settings => _settings;

    /// <summary>The long-term embedding of <paramref name="user"/> as its UserState holds it (empty before its first event).</summary>
    public ReadOnlySpan<float> UserEmbedding(int user) => _users[user] is { } state ? state.EmbeddingToArray() : [];

    /// <inheritdoc />
    public void AdvanceTo(long timestamp)
    {
        if (_origin == long.MinValue)
        {
            _origin = timestamp;
        }

        _nowMs = Math.Max(_nowMs, timestamp);
    }

    /// <inheritdoc />
    public int TopK(int user, int k, IReadOnlySet<int> exclude, Span<int> destination)
    {
        var r = _settings.Ranking;
        var now = DateTimeOffset.FromUnixTimeMilliseconds(_nowMs);
        var state = _users[user];
        if (state is null)
        {
            _query.AsSpan().Clear();
        }
        else
        {
            state.BuildQuery(now, r.SessionBlend, _query);
        }

        // engage = σ(scale · q·v), all items.
        var dim = _dimension;
        for (var i = 0; i < _itemCount; i++)
        {
            _scores[i] = TensorPrimitives.Dot(_items.AsSpan(i * dim, dim), _query);
        }

        TensorPrimitives.Multiply(_scores, r.EngageScale, _scores);
        TensorPrimitives.Sigmoid(_scores, _scores);
        TensorPrimitives.Multiply(_scores, r.EngageWeight, _scores);
        TensorPrimitives.MultiplyAdd(_completionPart, r.CompletionWeight, _scores, _scores);

        // velocity(now) = v · 2^(−(now − at)/half-life), then 1 − e^{−velocity/scale} (VideoState.DecayVelocity).
        var nowSeconds = Seconds(_nowMs);
        var lambda = (float)(-Math.Log(2) / _settings.Video.VelocityHalfLife.TotalSeconds);
        TensorPrimitives.Subtract(nowSeconds, _velocityAt, _decay);
        TensorPrimitives.Max(_decay, 0f, _decay);
        TensorPrimitives.Multiply(_decay, lambda, _decay);
        TensorPrimitives.Exp(_decay, _decay);
        TensorPrimitives.Multiply(_decay, _velocity, _decay);
        TensorPrimitives.Multiply(_decay, -1f / r.VelocityScale, _decay);
        TensorPrimitives.Exp(_decay, _decay);
        TensorPrimitives.Subtract(1f, _decay, _decay);
        TensorPrimitives.MultiplyAdd(_decay, FeedRanker.PopularityWeight(r, state?.EventCount ?? 0), _scores, _scores);

        // + w_co · co-engagement with the user's recent positives (the retriever's co-engaged path and feature).
        if (state is not null && r.CoEngagementWeight > 0f)
        {
            var seeds = RecentItems(state, ulong.MaxValue);
            var n = _coEngagement.Gather(_seeds.AsSpan(0, seeds), _coRows, _coScores);
            for (var i = 0; i < n; i++)
            {
                _scores[_coRows[i]] += r.CoEngagementWeight * _coScores[i];
            }
        }

        return TopKSelector.Select(_scores, k, exclude, destination);
    }

    /// <inheritdoc />
    public void Observe(in Interaction interaction)
    {
        AdvanceTo(interaction.Timestamp);
        var dim = _dimension;
        var userState = _users[interaction.User] ??= new UserState(UserId(interaction.User), _settings);
        var video = Video(interaction.Item);
        var e = ToEvent(interaction, _events++);

        // The feed engine's order: the user applies the event against the catalog's current video vector and the
        // sampled negatives; the video then applies it against the user's embedding from before the event.
        userState.CopyEmbedding(_userBefore);
        var k = SampleNegatives(e.IdKey, interaction.Item);
        if (userState.Apply(e, video.ToFacts(), _negatives.AsSpan(0, k * dim)) && userState.LastEventPositive)
        {
            // As CandidateRetriever.RecordCoEngagement does in the user's turn.
            var seeds = RecentItems(userState, video.Key);
            _coEngagement.Record(interaction.Item, _seeds.AsSpan(0, seeds));
        }

        video.Apply(e, _userBefore);

        var i = interaction.Item;
        video.Embedding.CopyTo(_items.AsSpan(i * dim, dim));
        var r = _settings.Ranking;
        _completionPart[i] = (video.Completions + r.CompletionPriorAlpha) / (video.Views + r.CompletionPriorAlpha + r.CompletionPriorBeta);
        _velocity[i] = video.Velocity;
        _velocityAt[i] = Seconds(video.VelocityAt.ToUnixTimeMilliseconds());
    }

    /// <summary>The item rows of the user's recent positives other than <paramref name="skipKey"/> into <c>_seeds</c>, most recent first (as <c>CandidateRetriever.RecentRows</c>).</summary>
    private int RecentItems(UserState user, ulong skipKey)
    {
        var n = 0;
        for (var age = 0; age < user.RecentCount && n < _seeds.Length; age++)
        {
            var key = user.RecentVideo(age);
            if (key != skipKey && _itemOfKey.TryGetValue(key, out var item))
            {
                _seeds[n++] = item;
            }
        }

        return n;
    }

    private InteractionEvent ToEvent(in Interaction interaction, long sequence)
    {
        var watched = _kind switch
        {
            StrengthKind.WatchRatio => interaction.Strength,
            _ => interaction.Strength >= 4f ? 1f : interaction.Strength >= 3f ? 0.5f : 0.05f,
        };
        var watchMs = (long)Math.Round(Math.Clamp(watched, 0f, 1f + _settings.Learning.MaxReplaysCounted) * ViewDurationMs);
        return new InteractionEvent(
            "eval-" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
            InteractionType.View,
            UserId(interaction.User),
            VideoId(interaction.Item),
            DateTimeOffset.FromUnixTimeMilliseconds(interaction.Timestamp),
            WatchMs: watchMs,
            DurationMs: ViewDurationMs);
    }

    // As NegativeSampler: distinct uniform rows other than the event's, from a generator seeded by the event id.
    private int SampleNegatives(ulong eventKey, int excludeRow)
    {
        var want = _negativeRows.Length;
        var picked = 0;
        var state = eventKey;
        for (var attempt = 0; attempt < 4 * want && picked < want && _itemCount > 1; attempt++)
        {
            state = StableHash.Mix(state + 0x9e3779b97f4a7c15UL);
            var row = (int)(state % (ulong)_itemCount);
            if (row == excludeRow || Array.IndexOf(_negativeRows, row, 0, picked) >= 0)
            {
                continue;
            }

            _negativeRows[picked] = row;
            _items.AsSpan(row * _dimension, _dimension).CopyTo(_negatives.AsSpan(picked * _dimension, _dimension));
            picked++;
        }

        return picked;
    }

    private VideoState Video(int item) =>
        _videos[item] ??= new VideoState(
            VideoId(item),
            new VideoUpload("creator-" + VideoId(item), ViewDurationMs, [], string.Empty, null, string.Empty),
            DateTimeOffset.UnixEpoch,
            _settings);

    private float Seconds(long unixMs) => (float)((unixMs - (_origin == long.MinValue ? unixMs : _origin)) / 1000.0);

    private static string UserId(int user) => "u" + user.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string VideoId(int item) => "v" + item.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
