using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using ActorRec.Recommender.Domain;

namespace ActorRec.Benchmarks.Feed.Simulation;

/// <summary>
/// Drives a node like a crowd of people: registers the simulated catalog (PUT /v1/videos), then, open loop at the
/// configured rate, picks a user, fetches the feed, lets the user react to every item (<see cref="Population.React"/>)
/// and posts the resulting events in one batch. Each feed round trip (GET) is timed; watch ratio and completion are
/// measured on what the server chose to show, so a rising completion rate over the intervals is personalization
/// learning the users' hidden tastes.
/// </summary>
public sealed class FeedSimulator
{
    private readonly SimulationOptions _options;
    private readonly HttpClient _http;
    private readonly Population _population;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly ConcurrentDictionary<string, SimVideo> _foreign = new(StringComparer.Ordinal);
    private long _eventCounter;

    public FeedSimulator(SimulationOptions options, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        _options = options.Validate();
        _http = http;
        _population = new Population(options);
    }

    public Population Population => _population;

    /// <summary>Registers every simulated video (16 uploads in flight); throws naming the first refused upload.</summary>
    public async Task UploadCatalogAsync(IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var done = 0;
        await Parallel.ForEachAsync(_population.Videos, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (video, ct) =>
            {
                using var response = await _http.PutAsJsonAsync(new Uri(_options.Url, $"/v1/videos/{Uri.EscapeDataString(video.VideoId)}"), video.Upload,
                    FeedJsonContext.Default.VideoUploadDto, ct).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                    throw new InvalidOperationException($"PUT {video.VideoId} answered {(int)response.StatusCode}: {body}");
                }

                progress?.Report(Interlocked.Increment(ref done));
            }).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the load for the configured duration. <paramref name="onUpdate"/> is called about twice a second with
    /// every row so far (the last one still filling).
    /// </summary>
    public async Task<IReadOnlyList<IntervalRow>> RunAsync(Action<IReadOnlyList<IntervalRow>> onUpdate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onUpdate);
        var intervals = new List<IntervalStats> { new(0) };
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        var running = 0;
        long issued = 0;
        var rng = new Random(unchecked((int)_options.Seed));
        var lastUpdate = TimeSpan.Zero;
        using var ticker = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (clock.Elapsed < _options.Duration && await ticker.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            var elapsed = clock.Elapsed;
            var last = (int)((_options.Duration.Ticks - 1) / _options.Interval.Ticks);
            var index = Math.Min(last, (int)(elapsed.Ticks / _options.Interval.Ticks));
            while (intervals.Count <= index)
            {
                intervals.Add(new IntervalStats(intervals.Count));
            }

            var current = intervals[index];
            var due = (long)(elapsed.TotalSeconds * _options.Rate);
            for (; issued < due; issued++)
            {
                if (Volatile.Read(ref running) >= _options.MaxInFlight)
                {
                    current.Drop();
                    continue;
                }

                var user = _population.Users[rng.Next(_population.Users.Count)];
                Interlocked.Increment(ref running);
                inFlight.Add(OneSessionAsync(user, new Random(rng.Next()), current, () => Interlocked.Decrement(ref running), cancellationToken));
            }

            inFlight.RemoveAll(static t => t.IsCompleted);
            if (elapsed - lastUpdate >= TimeSpan.FromMilliseconds(500))
            {
                lastUpdate = elapsed;
                onUpdate(Rows(intervals, elapsed));
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
        var rows = Rows(intervals, clock.Elapsed);
        onUpdate(rows);
        return rows;
    }

    private IReadOnlyList<IntervalRow> Rows(List<IntervalStats> intervals, TimeSpan elapsed)
    {
        var rows = new IntervalRow[intervals.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var start = TimeSpan.FromTicks(_options.Interval.Ticks * i);
            var length = i == rows.Length - 1 ? elapsed - start : _options.Interval;
            rows[i] = intervals[i].Snapshot(length < TimeSpan.Zero ? TimeSpan.Zero : length);
        }

        return rows;
    }

    private async Task OneSessionAsync(SimUser user, Random rng, IntervalStats stats, Action done, CancellationToken cancellationToken)
    {
        try
        {
            var url = new Uri(_options.Url, $"/v1/feed/{Uri.EscapeDataString(user.UserId)}?count={_options.FeedCount}&region={user.Region}");
            var started = Stopwatch.GetTimestamp();
            var feed = await _http.GetFromJsonAsync(url, FeedJsonContext.Default.FeedResponseDto, cancellationToken).ConfigureAwait(false);
            var latencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (feed is null)
            {
                stats.Error();
                return;
            }

            var events = new List<InteractionEventDto>(feed.Items.Count * 2);
            var completed = 0;
            var ratioSum = 0.0;
            var shown = 0;
            var now = DateTimeOffset.UtcNow;
            foreach (var item in feed.Items)
            {
                var video = _population.VideoById.GetValueOrDefault(item.VideoId)
                    ?? await ForeignAsync(item.VideoId, cancellationToken).ConfigureAwait(false);
                if (video is null)
                {
                    continue;
                }

                shown++;
                var r = Population.React(user, video, rng);
                ratioSum += Math.Min(1.0, r.WatchRatio);
                completed += r.Completed ? 1 : 0;
                Add(events, r.Type, user, video, now, r.WatchMs);
                if (r.Liked)
                {
                    Add(events, "like", user, video, now, 0);
                }

                if (r.Shared)
                {
                    Add(events, "share", user, video, now, 0);
                }

                if (r.Followed)
                {
                    Add(events, "follow", user, video, now, 0);
                }

                if (r.NotInterested)
                {
                    Add(events, "not_interested", user, video, now, 0);
                }
            }

            if (events.Count > 0)
            {
                using var response = await _http.PostAsJsonAsync(new Uri(_options.Url, "/v1/events"), new EventBatchDto(events),
                    FeedJsonContext.Default.EventBatchDto, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    stats.Error();
                    return;
                }
            }

            stats.Feed(latencyMs, shown, completed, ratioSum, events.Count);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            stats.Error();
        }
        finally
        {
            done();
        }
    }

    /// <summary>
    /// A video the simulation did not upload (the node's demo catalog): its metadata is fetched once, and its primary
    /// hashtag maps to the latent topic of the same name (none: no user cares for it).
    /// </summary>
    private async Task<SimVideo?> ForeignAsync(string videoId, CancellationToken cancellationToken)
    {
        if (_foreign.TryGetValue(videoId, out var known))
        {
            return known;
        }

        var url = new Uri(_options.Url, $"/v1/videos/{Uri.EscapeDataString(videoId)}");
        var dto = await _http.GetFromJsonAsync(url, FeedJsonContext.Default.VideoStateDto, cancellationToken).ConfigureAwait(false);
        if (dto is null)
        {
            return null;
        }

        var topic = dto.Hashtags.Count > 0 ? _population.TopicOf(dto.Hashtags[0]) : -1;
        var video = new SimVideo(videoId, topic, 0.8, new VideoUploadDto(dto.CreatorId, dto.DurationMs, dto.Hashtags));
        return _foreign.GetOrAdd(videoId, video);
    }

    private void Add(List<InteractionEventDto> events, string type, SimUser user, SimVideo video, DateTimeOffset now, long watchMs)
    {
        var id = $"{_options.IdPrefix}-{_runId}-{Interlocked.Increment(ref _eventCounter)}";
        events.Add(new InteractionEventDto(id, type, user.UserId, video.VideoId, now, type is "view" or "skip" ? watchMs : null,
            video.Upload.DurationMs, null, user.Region, user.Device));
    }
}
