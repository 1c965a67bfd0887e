using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Serialization;
using ActorRec.Persistence.Tooling;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Checkpoints;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Ranking;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Entities;

/// <summary>
/// <c>actorrec journal replay user/ID --to-time T --feed</c>: the feed a user would have received at T, rebuilt from
/// the journal alone and run through the node's own feed pipeline.
/// </summary>
/// <remarks>
/// <para><b>What is as of T.</b> The user's state is rebuilt from its journal up to the target (the same transition
/// the live UserActor applies: embedding, session, fatigue, seen set, follows, muted topics). Every video's state is
/// rebuilt from its journal up to T (registration, counters, velocity, cold-start stage, learned embedding: the
/// transition the live VideoActor applies); videos registered after T are left out. The catalog, the retrieval
/// index (<c>retrieval.index</c>) and trending are built from those states, and the feed is computed by
/// <see cref="FeedPipeline"/> (retrieval → ranking → re-ranking, the stages FeedEngine's actors run) at time T.</para>
/// <para><b>The learned state.</b> A node's online ranking model, its co-engagement table and its cold-start
/// placement counts live in memory and are not journaled; the node checkpoints them (<c>checkpoint.interval</c>) and
/// keeps the last <c>checkpoint.history</c> checkpoints (<see cref="CheckpointHistory"/>). Given that folder, the
/// replay restores the newest checkpoint captured at or before T, so the feed is ranked by the model the node had at
/// most one checkpoint interval before T, and the result says which one under <see cref="FeedReplayResult.AsOfT"/>.
/// Without one (no folder, nothing before T, or a file that fails its checks) the replay uses the model's initial
/// weights and an empty co-engagement table (the "coengaged" path finds nothing), and lists them, with the reason,
/// under <see cref="FeedReplayResult.Defaults"/>. Experiment arms are a hash of the user id, hence the same as at T.</para>
/// <para><b>T for <c>--to-seq</c>.</b> The time of the last user event replayed. Times are the journal rows' write
/// times (what <c>journal show</c> prints), for users and videos alike.</para>
/// </remarks>
public static class FeedReplay
{
    private const string UserPrefix = "user/";
    private const string VideoPrefix = "video/";

    /// <summary>The parts of the replayed feed rebuilt from the journal as of T.</summary>
    public static readonly IReadOnlyList<string> AsOfT =
    [
        "user state (embedding, session, fatigue, seen set, follows, muted topics, blocked videos)",
        "video states (registrations, learned embeddings, counters, velocity, cold-start stage, moderation)",
        "retrieval index and trending (built from those video states)",
        "experiment arms (a hash of the user id)",
    ];

    /// <summary>The parts that are not journaled and take their defaults in a replay without a node checkpoint.</summary>
    public static readonly IReadOnlyList<string> NotJournaled =
    [
        "online ranking model: initial weights (the node's model learns in memory)",
        "co-engagement table: empty (the node's table lives in memory; the coengaged path finds nothing)",
    ];

    private const string Restored = "online ranking model, co-engagement table and cold-start placements: node checkpoint";

    /// <summary>
    /// Rebuilds user <paramref name="persistenceId"/> (<c>user/ID</c>) up to <paramref name="target"/> and every video
    /// up to the same time, then computes the feed of <paramref name="count"/> items (0 = the configured default) for
    /// <paramref name="region"/> (null = the user's last region), ranked with the newest checkpoint at or before T in
    /// <paramref name="checkpointHistory"/> (a node's <see cref="CheckpointHistory"/> folder; null: the learned state
    /// takes its defaults).
    /// </summary>
    /// <exception cref="ArgumentException">The id is not a user's (<c>user/ID</c>).</exception>
    /// <exception cref="FeedReplayException">The user has no events, or none at or before the target.</exception>
    public static async Task<FeedReplayResult> RunAsync(IJournal journal, EventSerializerRegistry serializers, FeedSettings settings, string persistenceId,
        ReplayTarget target, int count = 0, string? region = null, CancellationToken cancellationToken = default, string? checkpointHistory = null)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(serializers);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!persistenceId.StartsWith(UserPrefix, StringComparison.Ordinal) || persistenceId.Length == UserPrefix.Length)
        {
            throw new ArgumentException(
                $"--feed needs a user's persistence id ({UserPrefix}ID); '{persistenceId}' is not one", nameof(persistenceId));
        }

        var userId = persistenceId[UserPrefix.Length..];
        var (user, lastSeq, at, first) = await ReplayUserAsync(journal, serializers, settings, persistenceId, userId, target, cancellationToken).ConfigureAwait(false);
        if (first is null)
        {
            throw new FeedReplayException($"no events for '{persistenceId}'");
        }

        if (user is null)
        {
            throw new FeedReplayException(
                $"'{persistenceId}' has no event at or before {Describe(target)}; its first event is at {Format(first.Value.ToUnixTimeMilliseconds())}");
        }

        // --to-time: the feed at T itself (videos may have changed after the user's last event); stopped by --to-seq:
        // at the time of that event.
        var feedTime = target.ToTime is { } t && lastSeq != target.ToSequenceNr ? t : at;
        var index = VideoIndexes.Create(settings);
        var catalog = new VideoCatalog(settings.EmbeddingDim, index);
        var (videos, later) = await LoadVideosAsync(journal, serializers, settings, catalog, feedTime.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        var pipeline = new FeedPipeline(catalog, index, new DecayedVelocityTrending(catalog, settings), new CpuCandidateScorer(), settings, new FixedTime(feedTime));
        var (asOfT, defaults) = RestoreLearnedState(pipeline, checkpointHistory, feedTime);
        var request = new FeedRequest(count, region, feedTime);
        var feed = pipeline.GetFeed(user, request);
        return new FeedReplayResult(userId, persistenceId, feedTime, lastSeq, user.EventCount, videos, later, feed,
            FeedPipeline.ToDto(feed, explain: true), asOfT, defaults);
    }

    /// <summary>Applies the newest usable checkpoint at or before <paramref name="at"/>; returns the as-of-T and defaults lists.</summary>
    private static (IReadOnlyList<string> AsOfT, IReadOnlyList<string> Defaults) RestoreLearnedState(FeedPipeline pipeline, string? folder, DateTimeOffset at)
    {
        if (folder is null)
        {
            return (AsOfT, NotJournaled);
        }

        var entry = CheckpointHistory.AtOrBefore(folder, at);
        if (entry is null)
        {
            return (AsOfT, [.. NotJournaled, $"(no node checkpoint at or before T in {folder})"]);
        }

        try
        {
            var payload = CheckpointFile.Read(entry.Path, NodeModelState.Version)
                ?? throw new CheckpointFormatException(entry.Path, "the file is gone");
            var (apply, restored) = NodeModelState.Decode(pipeline, payload);
            apply();
            var age = at - entry.CapturedAt;
            var text = $"{Restored} captured {Format(entry.CapturedAt.ToUnixTimeMilliseconds())} ({FormatAge(age)} before T; "
                + $"{restored.Dropped} entries named videos not registered at T), {entry.Path}";
            return ([.. AsOfT, text], []);
        }
        catch (Exception e) when (e is CheckpointFormatException or InvalidDataException or IOException)
        {
            var reason = e is CheckpointFormatException format ? format.Reason : e.Message;
            return (AsOfT, [.. NotJournaled, $"(node checkpoint {entry.Path} not used: {reason})"]);
        }
    }

    private static string FormatAge(TimeSpan age) => age.TotalSeconds < 60
        ? $"{age.TotalSeconds:0.#} s"
        : $"{(int)age.TotalMinutes} min {age.Seconds} s";

    /// <summary>A journal time as the tooling prints it (ISO 8601, UTC, milliseconds).</summary>
    public static string Format(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Describe(ReplayTarget target) => target.ToTime is { } t
        ? Format(t.ToUnixTimeMilliseconds()) + (target.ToSequenceNr == long.MaxValue ? string.Empty : $" / #{target.ToSequenceNr}")
        : $"#{target.ToSequenceNr}";

    private static async Task<(UserState? User, long LastSeq, DateTimeOffset At, DateTimeOffset? First)> ReplayUserAsync(IJournal journal,
        EventSerializerRegistry serializers, FeedSettings settings, string persistenceId, string userId, ReplayTarget target, CancellationToken cancellationToken)
    {
        UserState? user = null;
        DateTimeOffset? first = null;
        var at = DateTimeOffset.MinValue;
        long lastSeq = 0;
        var toMs = target.ToTime?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        await foreach (var row in journal.CurrentEventsByPersistenceIdAsync(persistenceId, 1, long.MaxValue, cancellationToken).ConfigureAwait(false))
        {
            first ??= DateTimeOffset.FromUnixTimeMilliseconds(row.TimestampMs);
            if (row.SequenceNr > target.ToSequenceNr || row.TimestampMs > toMs)
            {
                break;
            }

            switch (serializers.Deserialize(row.Manifest, row.SchemaVersion, row.Payload))
            {
                case UserInteraction interaction:
                    user ??= new UserState(userId, settings);
                    user.Apply(interaction);
                    break;
                case UserSnapshot snapshot:
                    user = UserState.FromSnapshot(snapshot, settings);
                    break;
                default:
                    break;
            }

            lastSeq = row.SequenceNr;
            at = DateTimeOffset.FromUnixTimeMilliseconds(row.TimestampMs);
        }

        return (user, lastSeq, at, first);
    }

    /// <summary>Rebuilds every video from its journal up to <paramref name="toMs"/> into the catalog; returns (in the catalog, registered only after T).</summary>
    private static async Task<(int Videos, int Later)> LoadVideosAsync(IJournal journal, EventSerializerRegistry serializers, FeedSettings settings,
        VideoCatalog catalog, long toMs, CancellationToken cancellationToken)
    {
        var videos = 0;
        var later = 0;
        await foreach (var pid in journal.CurrentPersistenceIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!pid.StartsWith(VideoPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var videoId = pid[VideoPrefix.Length..];
            VideoState? state = null;
            await foreach (var row in journal.CurrentEventsByPersistenceIdAsync(pid, 1, long.MaxValue, cancellationToken).ConfigureAwait(false))
            {
                if (row.TimestampMs > toMs)
                {
                    break;
                }

                var @event = serializers.Deserialize(row.Manifest, row.SchemaVersion, row.Payload);
                state = @event is VideoSnapshot snapshot
                    ? VideoState.FromSnapshot(snapshot, settings)
                    : VideoActor.Apply(state, videoId, @event, settings);
            }

            if (state is null)
            {
                later++;
                continue;
            }

            catalog.Upsert(state);
            videos++;
        }

        return (videos, later);
    }

    /// <summary>The clock of a replayed feed: always T.</summary>
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

/// <summary>The journal holds nothing to replay for the request (no events, or none at or before the target); the message says which.</summary>
public sealed class FeedReplayException(string message) : Exception(message);

/// <summary>
/// A replayed feed: the user (<see cref="UserId"/>, <see cref="PersistenceId"/>) rebuilt up to
/// <see cref="LastSequenceNr"/> (<see cref="UserEvents"/> interactions), the feed computed at <see cref="At"/> over
/// <see cref="Videos"/> videos (<see cref="VideosRegisteredLater"/> more exist only after T), with explanations
/// (<see cref="Response"/>) and the lists of parts rebuilt as of T and parts that took their defaults.
/// </summary>
public sealed record FeedReplayResult(
    string UserId,
    string PersistenceId,
    DateTimeOffset At,
    long LastSequenceNr,
    long UserEvents,
    int Videos,
    int VideosRegisteredLater,
    FeedResult Feed,
    FeedResponseDto Response,
    IReadOnlyList<string> AsOfT,
    IReadOnlyList<string> Defaults);
