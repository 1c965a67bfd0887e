using ActorRec.Actors;
using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Membership;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.Snapshots;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Videos;
using Microsoft.Extensions.Logging;

namespace ActorRec.Server.Sharding;

/// <summary>
/// Every node's read copy of every video (embedding, metadata, live statistics) for retrieval, so a feed needs at most
/// the one hop to its user's owner.
/// <para>
/// <b>Updates.</b> A video actor writes its node's catalog after every durable change (<see cref="VideoCatalog.Upsert"/>);
/// the catalog's <see cref="VideoCatalog.Changed"/> hook copies the state into a <see cref="VideoReadCopy"/> on the
/// actor's thread and tells it to the <c>/user/video-read-copies</c> actor of every other live member over the cluster
/// transport. The receiving actor applies it with <see cref="VideoCatalog.ApplyReadCopy"/> (which does not publish
/// again). Copies of one video from one owner arrive in order (one connection per peer, FIFO).
/// </para>
/// <para>
/// <b>Full copy.</b> A node that starts (or restarts) builds its copy of the whole catalog from the shared journal
/// before it reports ready: per video, the latest snapshot and the events after it, through the same transition the
/// actor recovers with (<see cref="VideoActor.Apply"/>). Changes made while it loads reach it as updates, which are
/// newer than what the journal gave it; a video's update that races its journal read can be overwritten by the older
/// journal state until the video's next change (a read copy may lag, it never blocks the owner).
/// </para>
/// </summary>
public sealed partial class VideoReadCopies
{
    /// <summary>Name of the receiving actor under /user.</summary>
    public const string ActorName = "video-read-copies";

    private const string Elements = "/user/" + ActorName;
    private readonly ClusterHost _host;
    private readonly FeedSettings _settings;
    private readonly ILogger _log;
    private VideoCatalog? _catalog;
    private long _published;
    private long _applied;
    private long _fetched;

    public VideoReadCopies(ClusterHost host, FeedSettings settings, ILogger<VideoReadCopies> log)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        _host = host;
        _settings = settings;
        _log = log;
    }

    /// <summary>Read copies sent to other nodes.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Read copies received from other nodes and applied.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Videos this node had no copy of when an event named them, read from the shared journal instead.</summary>
    public long Fetched => Interlocked.Read(ref _fetched);

    /// <summary>Starts the receiving actor and publishes every change of <paramref name="catalog"/> (the node's).</summary>
    public void Start(ActorSystem system, VideoCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(catalog);
        if (Interlocked.CompareExchange(ref _catalog, catalog, null) is not null)
        {
            throw new InvalidOperationException("the read copies are already started");
        }

        system.ActorOf(Props.Create(() => new Receiver(this)), ActorName);
        catalog.Changed = Publish;
    }

    /// <summary>Loads a copy of every video of the shared journal into the catalog; returns how many.</summary>
    public async Task<int> LoadAsync(PersistenceRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var catalog = _catalog ?? throw new InvalidOperationException("start the read copies before loading them");
        var loaded = 0;
        await foreach (var pid in runtime.Journal.CurrentPersistenceIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!pid.StartsWith("video/", StringComparison.Ordinal))
            {
                continue;
            }

            var state = await ReadAsync(runtime, pid, pid["video/".Length..], cancellationToken).ConfigureAwait(false);
            if (state is not null)
            {
                catalog.ApplyReadCopy(state);
                loaded++;
            }
        }

        LogLoaded(_log, loaded);
        return loaded;
    }

    /// <summary>
    /// Reads one video from the shared journal into the catalog when the catalog does not have it: the repair for a
    /// read copy this node never received (it was published before the publisher saw this node as a member, or its
    /// connection dropped). True when the video is in the catalog afterwards; false when the journal has no such video.
    /// </summary>
    public async Task<bool> FetchMissingAsync(PersistenceRuntime runtime, string videoId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentException.ThrowIfNullOrEmpty(videoId);
        var catalog = _catalog ?? throw new InvalidOperationException("start the read copies before fetching one");
        if (catalog.TryGetRow(videoId, out _))
        {
            return true;
        }

        var state = await ReadAsync(runtime, VideoActor.PersistenceIdOf(videoId), videoId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return false;
        }

        // A newer copy may have arrived while the journal was read: it wins (the journal read is at least as old).
        if (!catalog.TryGetRow(videoId, out _))
        {
            catalog.ApplyReadCopy(state);
            Interlocked.Increment(ref _fetched);
            LogFetched(_log, videoId);
        }

        return true;
    }

    private async Task<VideoState?> ReadAsync(PersistenceRuntime runtime, string pid, string videoId, CancellationToken cancellationToken)
    {
        VideoState? state = null;
        var from = 1L;
        if (await runtime.Snapshots.LoadLatestAsync(pid, SnapshotSelectionCriteria.Latest, cancellationToken).ConfigureAwait(false) is { } snapshot
            && runtime.Registry.Deserialize(snapshot.Manifest, snapshot.SchemaVersion, snapshot.Payload) is VideoSnapshot s)
        {
            state = VideoState.FromSnapshot(s, _settings);
            from = snapshot.SequenceNr + 1;
        }

        await foreach (var repr in runtime.Journal.ReplayAsync(pid, from, long.MaxValue, long.MaxValue, cancellationToken).ConfigureAwait(false))
        {
            state = VideoActor.Apply(state, videoId, runtime.Registry.Deserialize(repr.Manifest, repr.SchemaVersion, repr.Payload), _settings);
        }

        return state;
    }

    private void Publish(VideoState video)
    {
        var remote = _host.Remote;
        if (remote is null || !_host.IsStarted)
        {
            return;
        }

        VideoReadCopy? copy = null;
        var self = _host.Settings.NodeName;
        foreach (var member in _host.Node.Membership.Current.Members)
        {
            if (member.Status is not (MemberStatus.Up or MemberStatus.Joining or MemberStatus.Leaving) || member.NodeName == self)
            {
                continue;
            }

            copy ??= new VideoReadCopy(video.ToSnapshot() with { AppliedIds = [], AppliedSeconds = [] });
            remote.RefFor(member.Address, Elements).Tell(copy);
            Interlocked.Increment(ref _published);
        }
    }

    private void Apply(VideoReadCopy copy)
    {
        _catalog!.ApplyReadCopy(VideoState.FromSnapshot(copy.Snapshot, _settings));
        Interlocked.Increment(ref _applied);
    }

    [LoggerMessage(EventId = 1320, Level = LogLevel.Warning, Message = "Video {VideoId} had no read copy on this node when an event named it; read it from the shared journal")]
    private static partial void LogFetched(ILogger logger, string videoId);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Video read copies loaded from the shared journal: {Videos} videos")]
    private static partial void LogLoaded(ILogger logger, int videos);

    /// <summary>Applies the read copies other nodes publish.</summary>
    private sealed class Receiver : ReceiveActor
    {
        public Receiver(VideoReadCopies copies) => Receive<VideoReadCopy>(copies.Apply);
    }
}
