using System.Diagnostics;
using System.Numerics.Tensors;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Learning;

namespace ActorRec.Recommender.Users;

/// <summary>
/// The live state of one user, as held by the persistent UserActor. <c>Apply</c> is a pure state transition
/// (its only inputs are the event, the video facts and the negatives; time is the event's timestamp, never the
/// clock), used both for live events and for journal replay.
/// <para>
/// Memory is the budget that decides the layout (target ≤ 2 KB per resident user at dimension 64, measured by
/// <see cref="UserStateFootprint"/>): the long-term embedding and the session vector are stored as Half (2 bytes a
/// component, 128 bytes each at dimension 64). Every update is computed in float on a stack copy and rounded once at the
/// end (round to nearest), so a step is lost only where it is below half a Half ulp of the component it moves: at a
/// component of magnitude x that is ≈ 2^−12·x (x/4096). An SGD step is lr · weight · (video and negative components),
/// about 10⁻³ to 10⁻¹ at the defaults, so it lands; the L2 shrink alone (lr · l2 = 8·10⁻⁶ of x) would round away, and
/// the max-norm projection is what bounds the norm. Reads (<see cref="CopyEmbedding"/>, <see cref="BuildQuery"/>,
/// snapshots) widen to float exactly, so replay and snapshots stay bit-identical to the live state. The session
/// vector is a decayed sum of unit vectors, for which 3 significant digits are plenty;
/// videos, topics and creators are 64-bit stable keys, never strings; fatigue is one table of 32-bit keys (16 slots
/// by default); the seen-set is a two-generation Bloom filter (see <see cref="SeenFilter"/>); follows, muted topics
/// and blocked videos share one sorted key set allocated on first use (keys carry their kind, see
/// <see cref="DomainKeys"/>); not-interested counts per topic live in the fatigue table under a derived key.
/// Everything that fills with events grows to its configured size as it fills (the recent and idempotency rings,
/// the fatigue table, and the seen-set, which keeps up to 16 keys exactly before it allocates its Bloom bits), with
/// the same behaviour and snapshots as if allocated in full: a user with a few events costs about half.
/// </para>
/// </summary>
[DebuggerDisplay("User {UserId}: {EventCount} events")]
public sealed class UserState
{
    private const float NegativeSessionWeight = 0.5f;
    private const float MaxSessionStep = 2f;

    private readonly FeedSettings _settings;
    private readonly Half[] _embedding;
    private readonly Half[] _session;
    private KeyRing _recent; // mutable structs: never readonly (a readonly field would mutate a copy)
    private DecayedCounters _fatigue;
    private SeenFilter _seen;
    private AppliedIds _appliedIds;
    private KeySet? _relations;
    private long _sessionAtTicks;
    private long _lastEventTicks = -1;
    private ushort _followCount;
    private ushort _mutedCount;
    private ushort _blockedCount;
    private sbyte _hour = -1;

    public UserState(string userId, FeedSettings settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(settings);
        UserId = userId;
        _settings = settings;
        var dim = settings.EmbeddingDim;
        var u = settings.User;
        _embedding = new Half[dim];
        _session = new Half[dim];
        _recent = new KeyRing(u.RecentCapacity);
        _fatigue = new DecayedCounters(u.FatigueSlots);
        _seen = new SeenFilter(u.SeenBitsPerGeneration, u.SeenHashes, u.SeenWindow);
        _appliedIds = new AppliedIds(u.IdempotencyWindow, u.IdempotencyHorizon, u.IdempotencyMax);
        Span<float> initial = dim <= 1024 ? stackalloc float[dim] : new float[dim];
        InitialEmbedding(userId, initial);
        TensorPrimitives.ConvertToHalf(initial, _embedding);
    }

    public string UserId { get; }

    /// <summary>Distinct events applied (duplicates by id are not counted).</summary>
    public long EventCount { get; private set; }

    public DateTimeOffset? LastEventAt => _lastEventTicks < 0 ? null : new DateTimeOffset(_lastEventTicks, TimeSpan.Zero);

    public string? Region { get; private set; }

    public string? Device { get; private set; }

    /// <summary>UTC hour of the last event, or null before the first.</summary>
    public int? Hour => _hour < 0 ? null : _hour;

    /// <summary>Length of the embeddings.</summary>
    public int Dimension => _embedding.Length;

    /// <summary>A float copy of the long-term embedding (exact: stored as Half, see the class remarks).</summary>
    public float[] EmbeddingToArray()
    {
        var copy = new float[_embedding.Length];
        TensorPrimitives.ConvertToSingle(_embedding, copy);
        return copy;
    }

    public int RecentCount => _recent.Count;

    /// <summary>Whether the last event applied was a positive (what the co-engagement table learns from).</summary>
    public bool LastEventPositive { get; private set; }

    public int FollowCount => _followCount;

    /// <summary>Followed creators, muted topics and blocked videos together; filter with <see cref="DomainKeys.IsCreator"/>.</summary>
    public ReadOnlySpan<ulong> RelationKeys => _relations is null ? [] : _relations.Keys;

    public int MutedTopicCount => _mutedCount;

    public int BlockedVideoCount => _blockedCount;

    public ref readonly SeenFilter Seen => ref _seen;

    /// <summary>Key of the <paramref name="age"/>-th most recently engaged video (0 = newest).</summary>
    public ulong RecentVideo(int age) => _recent.Recent(age);

    public bool HasApplied(string eventId) => _appliedIds.Contains(StableHash.Key("event:", eventId));

    /// <summary>Whether the event whose <see cref="InteractionEvent.IdKey"/> is <paramref name="eventIdKey"/> is in the idempotency window.</summary>
    public bool HasApplied(ulong eventIdKey) => _appliedIds.Contains(eventIdKey);

    public bool HasSeen(ulong videoKey) => _seen.MightContain(videoKey);

    public bool IsBlocked(ulong videoKey) => _blockedCount > 0 && _relations!.Contains(videoKey);

    public bool IsMuted(ulong topicKey) => _mutedCount > 0 && _relations!.Contains(topicKey);

    public bool IsFollowing(ulong creatorKey) => _followCount > 0 && _relations!.Contains(creatorKey);

    public float TopicFatigue(ulong topicKey, DateTimeOffset now) =>
        _fatigue.Get(StableHash.Key32(topicKey), now, _settings.User.FatigueHalfLife);

    public float CreatorFatigue(ulong creatorKey, DateTimeOffset now) =>
        _fatigue.Get(StableHash.Key32(creatorKey), now, _settings.User.FatigueHalfLife);

    /// <summary>Copies the long-term embedding into <paramref name="destination"/>.</summary>
    public void CopyEmbedding(Span<float> destination) => TensorPrimitives.ConvertToSingle(_embedding, destination);

    /// <summary>The session vector decayed to <paramref name="now"/>.</summary>
    public void CopySession(DateTimeOffset now, Span<float> destination)
    {
        TensorPrimitives.ConvertToSingle(_session, destination);
        TensorPrimitives.Multiply(destination, SessionDecay(now), destination);
    }

    /// <summary>
    /// The retrieval and ranking query, a unit vector: normalise((1 − β)·û + β·ŝ(now)), where û and ŝ are the
    /// directions of the long-term embedding and of the decayed session vector and β = <paramref name="sessionBlend"/>;
    /// û alone while the session is empty. Directions, not magnitudes, are blended: the session grows with every
    /// event and would otherwise drown the long-term taste, and a unit query keeps p(engage) comparable across users.
    /// </summary>
    public void BuildQuery(DateTimeOffset now, float sessionBlend, Span<float> destination)
    {
        if (destination.Length != _embedding.Length)
        {
            throw new ArgumentException($"destination has {destination.Length} elements; the dimension is {_embedding.Length}", nameof(destination));
        }

        Span<float> session = _embedding.Length <= 1024 ? stackalloc float[_embedding.Length] : new float[_embedding.Length];
        CopySession(now, session);
        var sessionNorm = TensorPrimitives.Norm(session);
        CopyEmbedding(destination);
        var norm = TensorPrimitives.Norm(destination);
        TensorPrimitives.Multiply(destination, norm > 0f ? 1f / norm : 0f, destination);
        if (sessionNorm > 0f)
        {
            TensorPrimitives.Multiply(destination, 1f - sessionBlend, destination);
            TensorPrimitives.MultiplyAdd(session, sessionBlend / sessionNorm, destination, destination);
        }

        var q = TensorPrimitives.Norm(destination);
        if (q > 0f)
        {
            TensorPrimitives.Multiply(destination, 1f / q, destination);
        }
    }

    /// <summary>Applies a journaled interaction (live or in replay); see <see cref="UserInteraction"/>.</summary>
    public bool Apply(UserInteraction interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        return Apply(interaction.Event, interaction.Video, interaction.Negatives);
    }

    public UserSnapshot ToSnapshot()
    {
        var session = new float[_session.Length];
        TensorPrimitives.ConvertToSingle(_session, session);
        var (keys, values) = _fatigue.Export();
        var (applied, appliedSeconds) = _appliedIds.ToArrays();
        return new UserSnapshot(
            UserId, EventCount, _lastEventTicks, Region, Device, _hour, EmbeddingToArray(), session, _sessionAtTicks,
            _recent.ToArray(), keys, values, _fatigue.At.UtcTicks, _seen.Words.ToArray(), _seen.CurrentGeneration,
            _seen.CountInCurrent, applied, RelationKeys.ToArray(), appliedSeconds);
    }

    /// <summary>Restores a snapshot taken under the same settings (sizes are checked).</summary>
    public static UserState FromSnapshot(UserSnapshot snapshot, FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var u = new UserState(snapshot.UserId, settings);
        if (snapshot.Embedding.Length != u._embedding.Length || snapshot.Session.Length != u._session.Length)
        {
            throw new ArgumentException($"snapshot dimension {snapshot.Embedding.Length} differs from the configured {u._embedding.Length}", nameof(snapshot));
        }

        TensorPrimitives.ConvertToHalf(snapshot.Embedding, u._embedding);
        TensorPrimitives.ConvertToHalf(snapshot.Session, u._session);
        u._sessionAtTicks = snapshot.SessionAtTicks;
        u.EventCount = snapshot.EventCount;
        u._lastEventTicks = snapshot.LastEventTicks;
        u.Region = snapshot.Region;
        u.Device = snapshot.Device;
        u._hour = (sbyte)snapshot.Hour;
        foreach (var k in snapshot.Recent)
        {
            u._recent.Add(k);
        }

        u._fatigue.Restore(snapshot.CounterKeys, snapshot.CounterValues, new DateTimeOffset(snapshot.CountersAtTicks, TimeSpan.Zero));
        u._seen.Restore(snapshot.SeenWords, snapshot.SeenGeneration, snapshot.SeenCount);
        u._appliedIds.Restore(snapshot.AppliedIds, snapshot.AppliedSeconds, AppliedIds.SecondOf(new DateTimeOffset(Math.Max(0, snapshot.LastEventTicks), TimeSpan.Zero)));

        foreach (var k in snapshot.Relations)
        {
            u.AddRelation(k, int.MaxValue);
        }

        return u;
    }

    /// <summary>The wire form of <c>GET /v1/users/{userId}</c>; video ids of recent items are resolved by <paramref name="videoIdOf"/>.</summary>
    public UserStateDto ToDto(Func<ulong, string?> videoIdOf)
    {
        ArgumentNullException.ThrowIfNull(videoIdOf);
        var recent = new List<string>(_recent.Count);
        for (var i = 0; i < _recent.Count; i++)
        {
            if (videoIdOf(_recent.Recent(i)) is { } id)
            {
                recent.Add(id);
            }
        }

        var session = new float[_session.Length];
        CopySession(LastEventAt ?? DateTimeOffset.UnixEpoch, session);
        return new UserStateDto(
            UserId, EventCount, TensorPrimitives.Norm(EmbeddingToArray()), TensorPrimitives.Norm(session), recent, FollowCount,
            MutedTopicCount, BlockedVideoCount, Region, Device, Hour);
    }

    /// <summary>
    /// Applies one event. Returns false (and changes nothing) when an event with the same id is in the idempotency
    /// window. <paramref name="negatives"/> are k sampled video embeddings back to back (see <see cref="LearningRule"/>).
    /// </summary>
    public bool Apply(InteractionEvent e, VideoFacts video, ReadOnlySpan<float> negatives)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(video);
        if (!string.Equals(e.UserId, UserId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"event {e.Id} is for user {e.UserId}, not {UserId}", nameof(e));
        }

        if (!string.Equals(e.VideoId, video.VideoId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"event {e.Id} is about video {e.VideoId}, but the facts are of {video.VideoId}", nameof(video));
        }

        var idKey = e.IdKey;
        if (!_appliedIds.Add(idKey, e.Timestamp))
        {
            return false;
        }

        EventCount++;
        _lastEventTicks = e.Timestamp.UtcTicks;
        if (e.Region is not null)
        {
            Region = e.Region;
        }

        if (e.Device is not null)
        {
            Device = e.Device;
        }

        _hour = (sbyte)e.Timestamp.UtcDateTime.Hour;

        var signal = EngagementSignal.From(e, video.DurationMs, _settings.Learning);
        // Computed in float, rounded to Half once (see the class remarks).
        Span<float> embedding = _embedding.Length <= 1024 ? stackalloc float[_embedding.Length] : new float[_embedding.Length];
        CopyEmbedding(embedding);
        LearningRule.UpdateUser(embedding, video.Embedding, negatives, signal, _settings.Learning);
        TensorPrimitives.ConvertToHalf(embedding, _embedding);
        UpdateSession(video.Embedding, signal, e.Timestamp);
        LastEventPositive = signal.IsPositive;

        var videoKey = video.VideoKey;
        _seen.Add(videoKey);
        if (e.Type is InteractionType.View or InteractionType.Skip)
        {
            var half = _settings.User.FatigueHalfLife;
            _fatigue.Add(StableHash.Key32(video.TopicKey), 1f, e.Timestamp, half);
            _fatigue.Add(StableHash.Key32(video.CreatorKey), 1f, e.Timestamp, half);
        }

        if (signal.IsPositive && !_recent.Contains(videoKey))
        {
            _recent.Add(videoKey);
        }

        var max = _settings.User.MaxListEntries;
        switch (e.Type)
        {
            case InteractionType.Follow:
                AddRelation(video.CreatorKey, max);
                break;
            case InteractionType.NotInterested:
                AddRelation(videoKey, max);
                NoteNotInterested(video.TopicKey, e.Timestamp, max);
                break;
            default:
                break;
        }

        return true;
    }

    private void AddRelation(ulong key, int max)
    {
        var set = _relations ??= new KeySet();
        if (set.Count >= max)
        {
            return;
        }

        if (set.Add(key, max))
        {
            switch (key & DomainKeys.KindMask)
            {
                case DomainKeys.CreatorKind: _followCount++; break;
                case DomainKeys.TopicKind: _mutedCount++; break;
                default: _blockedCount++; break;
            }
        }
    }

    /// <summary>
    /// Not-interested events per topic are counted (decayed like fatigue) under a derived key; when the count reaches
    /// mute-topic-after − ½ (e.g. two within one fatigue half-life) the topic is muted.
    /// </summary>
    private void NoteNotInterested(ulong topicKey, DateTimeOffset at, int max)
    {
        if (topicKey == DomainKeys.Topic(string.Empty))
        {
            return;
        }

        var counter = StableHash.Key32(StableHash.Mix(topicKey ^ 0x6e6f742d696e7465UL));
        var half = _settings.User.FatigueHalfLife;
        _fatigue.Add(counter, 1f, at, half);
        if (_fatigue.Get(counter, at, half) >= _settings.User.MuteTopicAfter - 0.5f)
        {
            AddRelation(topicKey, max);
        }
    }

    private void UpdateSession(ReadOnlySpan<float> video, in EngagementSignal signal, DateTimeOffset at)
    {
        var dim = _embedding.Length;
        Span<float> s = dim <= 1024 ? stackalloc float[dim] : new float[dim];
        TensorPrimitives.ConvertToSingle(_session, s);
        if (at.UtcTicks > _sessionAtTicks)
        {
            TensorPrimitives.Multiply(s, SessionDecay(at), s);
            _sessionAtTicks = at.UtcTicks;
        }

        var norm = TensorPrimitives.Norm(video);
        if (norm > 0f && float.IsFinite(norm))
        {
            var step = Math.Min(signal.Weight, MaxSessionStep) / MaxSessionStep;
            var signed = signal.IsPositive ? step : -NegativeSessionWeight * step;
            TensorPrimitives.MultiplyAdd(video, signed / norm, s, s);
        }

        LearningRule.ProjectToBall(s, _settings.Learning.MaxNorm);
        TensorPrimitives.ConvertToHalf(s, _session);
    }

    private float SessionDecay(DateTimeOffset now)
    {
        var dt = now.UtcTicks - _sessionAtTicks;
        return dt <= 0 ? 1f : (float)Math.Pow(2, -(double)dt / _settings.User.SessionHalfLife.Ticks);
    }

    /// <summary>A small deterministic starting vector (norm ≈ 0.1) derived from the user id.</summary>
    private static void InitialEmbedding(string userId, Span<float> v)
    {
        var state = StableHash.Key("user:", userId);
        var scale = 0.1f / MathF.Sqrt(v.Length);
        for (var i = 0; i < v.Length; i++)
        {
            state = StableHash.Mix(state + 0x9e3779b97f4a7c15UL);
            v[i] = (state & 1) == 0 ? scale : -scale;
        }
    }
}
