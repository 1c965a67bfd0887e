using ActorRec.Actors;
using ActorRec.Persistence.Actors;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Users;

namespace ActorRec.Recommender.Entities;

/// <summary>
/// One user as a persistent actor (persistence id <c>user/ID</c>) holding its <see cref="UserState"/>. Interactions
/// arrive with the video facts and sampled negatives already attached (<see cref="UserInteraction"/>), so what is
/// journaled is everything the transition reads and replay reproduces the state exactly. New interactions are
/// persisted atomically, applied in order by the same <see cref="UserState.Apply(UserInteraction)"/> recovery uses,
/// and acknowledged after the last one; ids already applied (or repeated inside the command) are acknowledged
/// without being journaled. Retrieval for a feed runs inside the actor's turn, so it sees a consistent state; it is a
/// read-only query, answered even while a batch is being committed, from the state of the last durable batch.
/// </summary>
public sealed class UserActor : PersistentActor
{
    private readonly string _userId;
    private readonly FeedPipeline _pipeline;
    private readonly int _snapshotEvery;
    private readonly long _writerEpoch;
    private readonly string? _fenceKey;
    private UserState _state;
    private long _snapshotAt;

    // writerEpoch / fenceKey: the shard ownership epoch its writes carry and the key the journal checks it under
    // (cluster sharding passes them from EntityStart; 0 / null on one node).
    public UserActor(string userId, PersistenceRuntime runtime, FeedPipeline pipeline, int snapshotEvery = 0, long writerEpoch = 0, string? fenceKey = null)
        : base(runtime)
    {
        _writerEpoch = writerEpoch;
        _fenceKey = fenceKey;
        ArgumentOutOfRangeException.ThrowIfNegative(snapshotEvery);
        _snapshotEvery = snapshotEvery;
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(pipeline);
        _userId = userId;
        _pipeline = pipeline;
        _state = new UserState(userId, pipeline.Settings);
    }

    // The constructor of RegionProps: the user id is the actor's own name, unescaped (regions name each entity
    // Uri.EscapeDataString(id)), so one Props serves every entity of a region instead of one recipe per entity.
    private UserActor(PersistenceRuntime runtime, FeedPipeline pipeline, int snapshotEvery)
        : base(runtime)
    {
        _userId = Uri.UnescapeDataString(Self.Path.Name);
        _snapshotEvery = snapshotEvery;
        _pipeline = pipeline;
        _state = new UserState(_userId, pipeline.Settings);
    }

    public override string PersistenceId => PersistenceIdOf(_userId);

    public static string PersistenceIdOf(string userId) => "user/" + userId;

    public static Props Props(string userId, PersistenceRuntime runtime, FeedPipeline pipeline, int snapshotEvery = 0, long writerEpoch = 0, string? fenceKey = null) =>
        Actors.Props.Create(() => new UserActor(userId, runtime, pipeline, snapshotEvery, writerEpoch, fenceKey)).WithIdleMailboxRelease();

    /// <summary>
    /// One Props for every user entity of a region on one node (writer epoch 0, no fence key): each actor takes its
    /// user id from its own name, which must be <c>Uri.EscapeDataString(userId)</c> as the regions name entities.
    /// </summary>
    public static Props RegionProps(PersistenceRuntime runtime, FeedPipeline pipeline, int snapshotEvery = 0)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentOutOfRangeException.ThrowIfNegative(snapshotEvery);
        return Actors.Props.Create(() => new UserActor(runtime, pipeline, snapshotEvery)).WithIdleMailboxRelease();
    }

    protected override long WriterEpoch => _writerEpoch;

    protected override string? FenceKey => _fenceKey;

    // Feeds and state reads are answered while an event batch is being committed, from the last durable state:
    // a feed never waits behind a journal commit (it reflects every event already acknowledged).
    protected override bool IsReadOnlyQuery(object message) => message is RetrieveCandidates or GetState;

    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case ApplyUserEvents apply:
                Handle(apply);
                return true;
            case RetrieveCandidates retrieve:
                Sender?.Tell(_pipeline.Retrieve(_state, retrieve.Request), Self);
                return true;
            case GetState:
                Sender?.Tell(_state.ToDto(VideoIdOf), Self);
                return true;
            default:
                return false;
        }
    }

    protected override void ReceiveRecover(object @event)
    {
        if (@event is UserInteraction interaction)
        {
            _state.Apply(interaction);
        }
    }

    protected override object? GetSnapshotState() => _state.ToSnapshot();

    protected override void ApplySnapshot(object state)
    {
        if (state is UserSnapshot snapshot)
        {
            _state = UserState.FromSnapshot(snapshot, _pipeline.Settings);
        }
    }

    private void Handle(ApplyUserEvents apply)
    {
        var items = apply.Interactions;
        var before = new float[items.Count][];
        var fresh = new List<UserInteraction>(items.Count);
        var freshIndex = new List<int>(items.Count);
        // Id keys taken so far, scanned for repeats inside the command (small: cheaper than a set of strings).
        Span<ulong> taken = items.Count <= 64 ? stackalloc ulong[items.Count] : new ulong[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var e = items[i].Event;
            if (!string.Equals(e.UserId, _userId, StringComparison.Ordinal))
            {
                Sender?.Tell(new EntityFailure($"event {e.Id} is for user {e.UserId}, not {_userId}"), Self);
                return;
            }

            var key = e.IdKey;
            if (_state.HasApplied(key) || RepeatsFresh(taken[..fresh.Count], fresh, e.Id, key))
            {
                continue;
            }

            taken[fresh.Count] = key;
            fresh.Add(items[i]);
            freshIndex.Add(i);
        }

        var sender = Sender;
        if (fresh.Count == 0)
        {
            FillCurrent(before);
            sender?.Tell(new UserEventsApplied(0, items.Count, before), Self);
            return;
        }

        var done = 0;
        PersistAll(fresh, interaction =>
        {
            before[freshIndex[done]] = _state.EmbeddingToArray();
            if (_state.Apply(interaction))
            {
                _pipeline.Retriever.RecordCoEngagement(_state, interaction.Event.VideoKey);
            }
            if (++done == fresh.Count)
            {
                FillCurrent(before);
                var isFresh = new bool[items.Count];
                foreach (var i in freshIndex)
                {
                    isFresh[i] = true;
                }

                sender?.Tell(new UserEventsApplied(fresh.Count, items.Count - fresh.Count, before, isFresh), Self);
                MaybeSnapshot();
            }
        });
    }

    protected override void OnRecoveryCompleted()
    {
        base.OnRecoveryCompleted();
        _snapshotAt = LastSequenceNr;
    }

    /// <summary>entities.snapshot-every: a snapshot after that many of this user's events since the last one.</summary>
    private void MaybeSnapshot()
    {
        if (_snapshotEvery > 0 && LastSequenceNr - _snapshotAt >= _snapshotEvery)
        {
            _snapshotAt = LastSequenceNr;
            SaveSnapshot();
        }
    }

    /// <summary>
    /// Whether an id repeats one taken earlier in the same command (a batch is small: a scan is cheaper than a set).
    /// Only taken events need checking: a repeat of a skipped one was applied before, so it is skipped too.
    /// </summary>
    private static bool RepeatsFresh(ReadOnlySpan<ulong> taken, List<UserInteraction> fresh, string id, ulong key)
    {
        for (var j = 0; j < taken.Length; j++)
        {
            if (taken[j] == key && string.Equals(fresh[j].Event.Id, id, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Duplicates teach the video with the user's current embedding (the video skips ids it has applied).</summary>
    private void FillCurrent(float[]?[] before)
    {
        float[]? current = null;
        for (var i = 0; i < before.Length; i++)
        {
            before[i] ??= current ??= _state.EmbeddingToArray();
        }
    }

    private string? VideoIdOf(ulong key) =>
        _pipeline.Catalog.TryGetRow(key, out var row) ? _pipeline.Catalog.Info(row).VideoId : null;
}
