using ActorRec.Actors;
using ActorRec.Persistence.Actors;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Entities;

/// <summary>
/// One video as a persistent actor (persistence id <c>video/ID</c>) holding its <see cref="VideoState"/>. It exists
/// once a <see cref="VideoRegistered"/> is journaled (the first PUT); later PUTs journal another registration that
/// replaces the metadata. Interactions are persisted, applied and acknowledged like the user's; duplicates by id are
/// acknowledged without being journaled. After every change (and after recovery) the video publishes its embedding,
/// metadata and statistics to the node's <see cref="VideoCatalog"/>, the read model retrieval and ranking scan.
/// </summary>
public sealed class VideoActor : PersistentActor
{
    private readonly string _videoId;
    private readonly FeedSettings _settings;
    private readonly VideoCatalog _catalog;
    private readonly int _snapshotEvery;
    private readonly long _writerEpoch;
    private readonly string? _fenceKey;
    private VideoState? _state;
    private long _snapshotAt;

    // writerEpoch / fenceKey: the shard ownership epoch its writes carry and the key the journal checks it under
    // (cluster sharding passes them from EntityStart; 0 / null on one node).
    public VideoActor(string videoId, PersistenceRuntime runtime, FeedSettings settings, VideoCatalog catalog, int snapshotEvery = 0,
        long writerEpoch = 0, string? fenceKey = null)
        : base(runtime)
    {
        _writerEpoch = writerEpoch;
        _fenceKey = fenceKey;
        ArgumentOutOfRangeException.ThrowIfNegative(snapshotEvery);
        _snapshotEvery = snapshotEvery;
        ArgumentException.ThrowIfNullOrEmpty(videoId);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(catalog);
        _videoId = videoId;
        _settings = settings;
        _catalog = catalog;
    }

    // The constructor of RegionProps: the video id is the actor's own name, unescaped (see UserActor.RegionProps).
    private VideoActor(PersistenceRuntime runtime, FeedSettings settings, VideoCatalog catalog, int snapshotEvery)
        : base(runtime)
    {
        _videoId = Uri.UnescapeDataString(Self.Path.Name);
        _snapshotEvery = snapshotEvery;
        _settings = settings;
        _catalog = catalog;
    }

    public override string PersistenceId => PersistenceIdOf(_videoId);

    public static string PersistenceIdOf(string videoId) => "video/" + videoId;

    public static Props Props(string videoId, PersistenceRuntime runtime, FeedSettings settings, VideoCatalog catalog, int snapshotEvery = 0,
        long writerEpoch = 0, string? fenceKey = null) =>
        Actors.Props.Create(() => new VideoActor(videoId, runtime, settings, catalog, snapshotEvery, writerEpoch, fenceKey)).WithIdleMailboxRelease();

    /// <summary>
    /// One Props for every video entity of a region on one node (writer epoch 0, no fence key): each actor takes its
    /// video id from its own name, which must be <c>Uri.EscapeDataString(videoId)</c> as the regions name entities.
    /// </summary>
    public static Props RegionProps(PersistenceRuntime runtime, FeedSettings settings, VideoCatalog catalog, int snapshotEvery = 0)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentOutOfRangeException.ThrowIfNegative(snapshotEvery);
        return Actors.Props.Create(() => new VideoActor(runtime, settings, catalog, snapshotEvery)).WithIdleMailboxRelease();
    }

    protected override long WriterEpoch => _writerEpoch;

    protected override string? FenceKey => _fenceKey;

    // GET /v1/videos/{id} of a busy video is answered from its last durable state, not after the commit in flight.
    protected override bool IsReadOnlyQuery(object message) => message is GetState;

    /// <summary>The transition both live handling and recovery (and the journal replay tool) use.</summary>
    public static VideoState? Apply(VideoState? state, string videoId, object @event, FeedSettings settings)
    {
        switch (@event)
        {
            case VideoRegistered registered when state is null:
                var created = new VideoState(videoId, registered.Upload, registered.At, settings);
                if (registered.History is { } h)
                {
                    created.SeedHistory(h.Impressions, h.Views, h.Completions, h.Likes, h.Shares, h.MeanWatchRatio, h.Velocity, h.At);
                }

                return created;
            case VideoRegistered registered:
                state.Update(registered.Upload);
                return state;
            case VideoInteraction interaction when state is not null:
                state.Apply(interaction);
                return state;
            default:
                return state;
        }
    }

    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case UpsertVideo upsert:
                HandleUpsert(upsert);
                return true;
            case ApplyVideoEvents apply:
                HandleEvents(apply);
                return true;
            case GetState:
                Sender?.Tell(_state is null ? new VideoUnknown(_videoId) : _state.ToDto(), Self);
                return true;
            default:
                return false;
        }
    }

    protected override void ReceiveRecover(object @event) => _state = Apply(_state, _videoId, @event, _settings);

    protected override void OnRecoveryCompleted()
    {
        _snapshotAt = LastSequenceNr;
        if (_state is not null)
        {
            _catalog.Upsert(_state);
        }
    }

    protected override object? GetSnapshotState() => _state?.ToSnapshot();

    protected override void ApplySnapshot(object state)
    {
        if (state is VideoSnapshot snapshot)
        {
            _state = VideoState.FromSnapshot(snapshot, _settings);
        }
    }

    private void HandleUpsert(UpsertVideo upsert)
    {
        var sender = Sender;
        var created = _state is null;
        var history = created ? upsert.History : null;
        Persist(new VideoRegistered(upsert.Upload, upsert.At, history), e =>
        {
            _state = Apply(_state, _videoId, e, _settings);
            _catalog.Upsert(_state!);
            sender?.Tell(new VideoUpserted(created, _state!.ToDto()), Self);
        });
    }

    private void HandleEvents(ApplyVideoEvents apply)
    {
        var sender = Sender;
        if (_state is null)
        {
            sender?.Tell(new VideoUnknown(_videoId), Self);
            return;
        }

        var items = apply.Interactions;
        var fresh = new List<VideoInteraction>(items.Count);
        // Keys taken so far, scanned for repeats inside the command (small: cheaper than a set).
        Span<ulong> taken = items.Count <= 64 ? stackalloc ulong[items.Count] : new ulong[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var e = items[i].Event;
            if (!string.Equals(e.VideoId, _videoId, StringComparison.Ordinal))
            {
                sender?.Tell(new EntityFailure($"event {e.Id} is about video {e.VideoId}, not {_videoId}"), Self);
                return;
            }

            var key = e.IdKey;
            if (_state.HasApplied(key) || taken[..fresh.Count].Contains(key))
            {
                continue;
            }

            taken[fresh.Count] = key;

            fresh.Add(items[i]);
        }

        if (fresh.Count == 0)
        {
            sender?.Tell(new EventsApplied(0, items.Count), Self);
            return;
        }

        var done = 0;
        PersistAll(fresh, interaction =>
        {
            _state.Apply(interaction);
            if (++done == fresh.Count)
            {
                _catalog.Upsert(_state);
                sender?.Tell(new EventsApplied(fresh.Count, items.Count - fresh.Count), Self);
                if (_snapshotEvery > 0 && LastSequenceNr - _snapshotAt >= _snapshotEvery)
                {
                    _snapshotAt = LastSequenceNr;
                    SaveSnapshot();
                }
            }
        });
    }
}
