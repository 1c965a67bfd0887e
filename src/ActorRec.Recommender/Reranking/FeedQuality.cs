using System.Collections.Concurrent;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Experiments;
using ActorRec.Recommender.Model;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Trends;

namespace ActorRec.Recommender.Reranking;

/// <summary>Served-feed counters: feeds re-ranked and their mean intra-list diversity.</summary>
public sealed record FeedDiversityStats(long Feeds, double MeanIntraListDiversity);

/// <summary>
/// The learning parts of the feed that are shared by a node: the online ranking model, the sketch-based trends,
/// the experiments (assignment, per-arm parameters, per-arm metrics) and the diversity counters. The ingest path
/// hands every accepted event to <c>Observe</c> once (after the user step made it durable); the pipeline asks
/// <see cref="ParametersFor"/> once per feed. Thread-safe.
/// </summary>
public sealed class FeedQuality
{
    private static readonly string[] NoArms = [];
    private readonly FeedSettings _settings;
    private readonly FeedParameters _defaults;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<ulong, (FeedParameters Parameters, string[] Arms)> _armCombos = new();
    private readonly Lock _statsLock = new();
    private long _feeds;
    private double _ildSum;

    /// <summary>Creates the node's components from the settings; <paramref name="time"/> drives trend windows and table expiry.</summary>
    public FeedQuality(FeedSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        var clock = time ?? TimeProvider.System;
        _clock = clock;
        Model = settings.Model.Enabled ? new RankingModelService(settings, clock) : null;
        Trends = new TrendTracker(settings.Trends.Tracker, clock);
        Experiments = new ExperimentRegistry(settings.Experiments);
        _defaults = FeedParameters.From(settings);
    }

    /// <summary>The ranking model (null when <c>model.enabled</c> is off).</summary>
    public RankingModelService? Model { get; }

    public TrendTracker Trends { get; }

    public ExperimentRegistry Experiments { get; }

    /// <summary>The parameters of users in no experiment.</summary>
    public FeedParameters Defaults => _defaults;

    /// <summary>
    /// The feed parameters of <paramref name="userId"/>: the settings with the overrides of the user's arm in every
    /// experiment applied in declaration order; <paramref name="arms"/> names them ("experiment:arm").
    /// </summary>
    public FeedParameters ParametersFor(string userId, out string[] arms)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var list = _settings.Experiments;
        if (list.Count == 0)
        {
            arms = NoArms;
            return _defaults;
        }

        var combo = 0UL;
        for (var i = 0; i < list.Count; i++)
        {
            combo = (combo * 1_000_003UL) + (ulong)ExperimentAssigner.AssignIndex(list[i], userId);
        }

        var entry = _armCombos.GetOrAdd(combo, static (_, state) => state.Self.Resolve(state.UserId), (Self: this, UserId: userId));
        arms = entry.Arms;
        return entry.Parameters;
    }

    /// <summary>
    /// Feeds accepted events to the model, the trends and the experiment metrics. <paramref name="rows"/> are the
    /// events' catalog rows, <paramref name="userBefore"/> each user's embedding before its event; events whose
    /// <paramref name="fresh"/> flag is false (already applied: a re-sent id) are skipped.
    /// </summary>
    public void Observe(IReadOnlyList<InteractionEvent> events, ReadOnlySpan<int> rows, IReadOnlyList<float[]> userBefore, ReadOnlySpan<bool> fresh, VideoCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(userBefore);
        ArgumentNullException.ThrowIfNull(catalog);
        for (var i = 0; i < events.Count; i++)
        {
            if (!fresh[i])
            {
                continue;
            }

            Observe(events[i], rows[i], userBefore[i], catalog);
        }
    }

    /// <summary>Feeds one new event (video at catalog <paramref name="row"/>, user embedding before it) to the model, trends and experiments.</summary>
    public void Observe(InteractionEvent e, int row, ReadOnlySpan<float> userBefore, VideoCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(catalog);
        var info = catalog.Info(row);
        Model?.Learn(e, userBefore, row, catalog);
        RecordTrend(e, info);
        RecordExperiment(e, info);
    }

    /// <summary>Counts a served feed's intra-list diversity (node-wide and under the user's arms).</summary>
    public void RecordFeed(string userId, double intraListDiversity)
    {
        lock (_statsLock)
        {
            _feeds++;
            _ildSum += intraListDiversity;
        }

        if (Experiments.Count > 0)
        {
            Experiments.RecordFeed(userId, intraListDiversity);
        }
    }

    /// <summary>Feeds served and their mean intra-list diversity.</summary>
    public FeedDiversityStats DiversityStats()
    {
        lock (_statsLock)
        {
            return new FeedDiversityStats(_feeds, _feeds == 0 ? 0 : _ildSum / _feeds);
        }
    }

    /// <summary>
    /// <c>GET /v1/trending?region=R</c> from the sketches: the fastest videos, hashtags and sounds of the region over
    /// the sliding window (velocity = weighted events per minute).
    /// </summary>
    public TrendingDto Trending(string region)
    {
        ArgumentNullException.ThrowIfNull(region);
        var top = _settings.Trends.Top;
        var videos = Trends.Top(TrendKind.Video, region, top);
        var items = new TrendingItemDto[videos.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = new TrendingItemDto(videos[i].Label ?? videos[i].Key.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), (float)videos[i].PerMinute);
        }

        return new TrendingDto(region, items, Keys(Trends.Top(TrendKind.Hashtag, region, top)), Keys(Trends.Top(TrendKind.Sound, region, top)), Trends.Window.TotalSeconds);
    }

    /// <summary>
    /// <c>GET /v1/trending?region=R</c> as served: the sketches of the event stream (<c>source = "events"</c>) when
    /// the sliding window holds any video event of the region; otherwise — a fresh or restarted node, or a quiet
    /// region — the catalog's decayed engagement velocity (<paramref name="fallback"/>: persisted video state,
    /// including history imported with the catalog), labelled <c>source = "catalog-velocity"</c> so a client can
    /// tell a measured trend from a warm-up ranking. Both are empty when nothing has any engagement.
    /// </summary>
    public TrendingDto Trending(string region, ITrendingSource fallback, VideoCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        ArgumentNullException.ThrowIfNull(catalog);
        var measured = Trending(region);
        if (measured.Items.Count > 0)
        {
            return measured with { Source = TrendingDto.FromEvents };
        }

        var count = Math.Max(1, _settings.Trends.Top);
        var rows = new int[count];
        var velocities = new float[count];
        var n = fallback.Top(region, _clock.GetUtcNow(), rows, velocities);
        var items = new TrendingItemDto[n];
        for (var i = 0; i < n; i++)
        {
            items[i] = new TrendingItemDto(catalog.Info(rows[i]).VideoId, velocities[i]);
        }

        return measured with { Items = items, Source = n > 0 ? TrendingDto.FromCatalogVelocity : TrendingDto.FromEvents };
    }

    private static TrendingKeyDto[] Keys(IReadOnlyList<TrendEntry> entries)
    {
        var keys = new TrendingKeyDto[entries.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = new TrendingKeyDto(entries[i].Label ?? entries[i].Key.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), (float)entries[i].PerMinute);
        }

        return keys;
    }

    /// <summary>Trend weight of an event: engagement only (view 1, completed view 2, like and comment 2, share and follow 3).</summary>
    public double TrendWeight(InteractionEvent e, long videoDurationMs)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e.Type)
        {
            case InteractionType.View:
                var duration = e.DurationMs > 0 ? e.DurationMs : videoDurationMs;
                var ratio = duration > 0 ? (double)e.WatchMs / duration : 0;
                return ratio < _settings.Learning.MinPositiveWatchRatio ? 0 : ratio >= _settings.Learning.CompletionRatio || e.Replays > 0 ? 2 : 1;
            case InteractionType.Like:
            case InteractionType.Comment:
                return 2;
            case InteractionType.Share:
            case InteractionType.Follow:
                return 3;
            default:
                return 0;
        }
    }

    private void RecordTrend(InteractionEvent e, VideoRowInfo info)
    {
        var weight = TrendWeight(e, info.DurationMs);
        if (weight <= 0)
        {
            return;
        }

        var region = e.Region ?? info.Region;
        Trends.Record(TrendKind.Video, region, info.VideoKey, weight, info.VideoId);
        var tags = info.Hashtags;
        if (tags is not null)
        {
            for (var t = 0; t < tags.Count && t < info.HashtagKeys.Length; t++)
            {
                Trends.Record(TrendKind.Hashtag, region, info.HashtagKeys[t], weight, tags[t]);
            }
        }

        if (info.SoundId is not null)
        {
            Trends.Record(TrendKind.Sound, region, info.SoundKey, weight, info.SoundId);
        }
    }

    private void RecordExperiment(InteractionEvent e, VideoRowInfo info)
    {
        if (Experiments.Count == 0)
        {
            return;
        }

        switch (e.Type)
        {
            case InteractionType.View:
            case InteractionType.Skip:
                var duration = e.DurationMs > 0 ? e.DurationMs : info.DurationMs;
                var ratio = duration > 0 ? (float)e.WatchMs / duration : 0f;
                var completed = e.Type == InteractionType.View && (ratio >= _settings.Learning.CompletionRatio || e.Replays > 0);
                Experiments.Record(e.UserId, new ImpressionOutcome(ratio, completed, false));
                break;
            case InteractionType.Like:
                Experiments.RecordLike(e.UserId);
                break;
            default:
                break;
        }
    }

    private (FeedParameters Parameters, string[] Arms) Resolve(string userId)
    {
        var list = _settings.Experiments;
        var p = _defaults;
        var arms = new string[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            var arm = ExperimentAssigner.Assign(list[i], userId);
            arms[i] = list[i].Name + ":" + arm.Name;
            if (arm.Overrides.Count > 0)
            {
                p = p.With(arm.Overrides, $"{FeedSettings.Path}.experiments.{list[i].Name}.overrides");
            }
        }

        return (p, arms);
    }
}
