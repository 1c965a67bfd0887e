using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Users;
using ActorRec.Server;
using ActorRec.Server.Api;
using ActorRec.Server.Health;
using ActorRec.Server.Logging;
using ActorRec.Server.Problems;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec bench feed [--json]</c>: a node in this process on loopback (SQLite journal in a temporary directory,
/// demo catalog), loaded open loop at a fixed feed rate while events are posted at a fixed rate (batches of 10).
/// <list type="bullet">
/// <item>feeds_per_s, events_per_s: completed per second; feed_p50_ms / feed_p99_ms: GET round trip;
/// event_p99_ms: POST round trip (the 202 comes only once the events are durable and applied).</item>
/// <item>freshness_p99_ms: for every --freshness-every-th accepted POST, the time from its 202 until a feed of that
/// user that reflects it has been received. "Reflects" is observable: the feed's <c>X-User-Event-Count</c> header
/// (the user's eventCount when the feed was retrieved) is at least the number of this user's events accepted so far.
/// Probe feeds are not counted in the feed figures; freshness_misses counts probes never reflected (a bug).</item>
/// <item>bytes_per_user: before the load, --footprint-users new users get 8 events each through the engine (in
/// process, no HTTP); growth of the managed heap after full GCs divided by the users made resident. An upper bound:
/// it includes the region's bookkeeping, the journal's per-entity state, the fixed structures the probe's events are
/// the first to need (the region's trend buckets), and the events' ids kept by the 20 videos they touch for the
/// idempotency horizon (2,000 each at the defaults). user_state_bytes: the same users' <c>UserState</c> objects
/// alone (the rest is the actor, its mailbox and the region's and journal's bookkeeping). video_ids_bytes: the
/// videos' remembered ids alone, per user made resident (a part of bytes_per_user).</item>
/// <item>feeds_shed / events_shed: 503s from the node's in-flight bound; feeds_dropped / events_dropped: requests
/// not sent because --max-in-flight were outstanding on the client; *_errors: other failures.</item>
/// <item>cpu_cores: process CPU seconds per second over the measured part (client and node share the process);
/// alloc_mb_per_s, gc_gen0/1/2, gc_pause_ms: managed allocation rate, collections and total GC pause in that part.</item>
/// <item>calibration_ms: a fixed single-thread integer loop timed before the load (the best of 3), and load_avg: the
/// 1-minute load average at the start, so figures from a busy machine can be scaled or discarded.</item>
/// </list>
/// </summary>
internal static class FeedBenchCommand
{
    private const int EventsPerPost = 10;
    private const int FootprintEventsPerUser = 8;

    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the documented numeric keys." };
        var videos = new Option<int>("--videos") { Description = "Demo catalog size.", DefaultValueFactory = _ => 100_000 };
        var users = new Option<int>("--users") { Description = "Distinct users.", DefaultValueFactory = _ => 100_000 };
        var feedRate = new Option<double>("--feed-rate") { Description = "Feed requests per second.", DefaultValueFactory = _ => 2_000 };
        var eventRate = new Option<double>("--event-rate") { Description = "Events per second.", DefaultValueFactory = _ => 10_000 };
        var duration = new Option<string>("--duration") { Description = "Measured load duration (e.g. 20s).", DefaultValueFactory = _ => "20s" };
        var warmup = new Option<string>("--warmup") { Description = "Load before the measured part, not recorded (JIT, caches).", DefaultValueFactory = _ => "3s" };
        var maxInFlight = new Option<int>("--max-in-flight")
        {
            Description = "Most requests outstanding at once; a request due beyond it is counted as dropped, not sent.",
            DefaultValueFactory = _ => 1_024,
        };
        var index = new Option<string>("--index") { Description = "Retrieval index: ivf (default), hnsw or exact.", DefaultValueFactory = _ => "ivf" };
        var freshnessEvery = new Option<int>("--freshness-every") { Description = "Probe freshness after every Nth accepted POST.", DefaultValueFactory = _ => 10 };
        var footprintUsers = new Option<int>("--footprint-users") { Description = "Users created to measure bytes_per_user (0: skip).", DefaultValueFactory = _ => 5_000 };
        var profile = new Option<int>("--profile") { Description = "Also time N feeds stage by stage on one thread (profile_* keys; 0: skip).", DefaultValueFactory = _ => 0 };
        var ingestProfile = new Option<int>("--ingest-profile") { Description = "Also put N events through the engine before the load (ingest_* keys: CPU and allocations per event; 0: skip).", DefaultValueFactory = _ => 0 };
        var serverInFlight = new Option<int>("--server-max-in-flight")
        {
            Description = "The node's in-flight bound (actorrec.http.max-in-flight); beyond it requests get 503.",
            DefaultValueFactory = _ => ServerSettings.Default.MaxInFlight,
        };
        var feed = new Command("feed", "Feed engine over loopback: feed latency and throughput under event ingestion, freshness, memory per user.");
        foreach (var option in new Option[] { json, videos, users, feedRate, eventRate, duration, maxInFlight, index, freshnessEvery, footprintUsers, serverInFlight, profile, warmup, ingestProfile })
        {
            feed.Add(option);
        }

        feed.SetAction(async (parseResult, cancellationToken) =>
        {
            var indexName = parseResult.GetValue(index);
            var kind = indexName switch
            {
                "ivf" => VideoIndexKind.Ivf,
                "hnsw" => VideoIndexKind.Hnsw,
                "exact" => VideoIndexKind.Exact,
                _ => throw new UsageException($"--index must be ivf, hnsw or exact (got \"{indexName}\")"),
            };
            var run = new Run(parseResult.GetValue(videos), parseResult.GetValue(users), parseResult.GetValue(feedRate), parseResult.GetValue(eventRate),
                SimulateCommand.ParseDuration("--duration", parseResult.GetValue(duration)!), parseResult.GetValue(maxInFlight), kind,
                parseResult.GetValue(freshnessEvery), parseResult.GetValue(footprintUsers), parseResult.GetValue(serverInFlight),
                parseResult.GetValue(profile), SimulateCommand.ParseDuration("--warmup", parseResult.GetValue(warmup)!), parseResult.GetValue(ingestProfile));
            if (run.Warmup < TimeSpan.Zero || run.Videos < 20 || run.Users < 1 || run.FeedRate <= 0 || run.EventRate < 0 || run.MaxInFlight < 1 || run.FreshnessEvery < 1
                || run.FootprintUsers < 0 || run.ServerMaxInFlight < 0 || run.Profile < 0 || run.IngestProfile < 0)
            {
                throw new UsageException("--videos must be at least 20, --users and --freshness-every at least 1, --feed-rate positive, --event-rate, "
                    + "--footprint-users and --server-max-in-flight not negative and --max-in-flight at least 1");
            }

            var result = await RunAsync(run, cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(json))
            {
                await context.Output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(result)).ConfigureAwait(false);
            }
            else
            {
                foreach (var (key, value) in result)
                {
                    await context.Output.WriteLineAsync($"{key,-18} {value.ToString("0.###", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
                }
            }

            return ExitCodes.Ok;
        });
        return feed;
    }

    private static async Task<Dictionary<string, double>> RunAsync(Run run, CancellationToken cancellationToken)
    {
        var loadAvg = FeedBenchProbes.LoadAverage();
        var calibration = FeedBenchProbes.Calibrate();
        var dir = Directory.CreateTempSubdirectory("actorrec-bench-feed-");
        try
        {
            var settings = ServerSettings.Create("bench", "127.0.0.1", 0, dir.FullName, 1 << 20, TimeSpan.FromSeconds(10))
                .WithLoadShedding(run.ServerMaxInFlight, TimeSpan.FromSeconds(1));
            await using var logger = SerilogSetup.CreateLogger(LoggingSettings.Default with { Async = false, MinimumLevel = Serilog.Events.LogEventLevel.Warning }, TextWriter.Null);
            var defaults = FeedNodeOptions.ForDataDir(dir.FullName, run.Videos);
            var feedSettings = (defaults.Feed with { Retrieval = defaults.Feed.Retrieval with { Index = run.Index } }).Validate();
            var options = defaults with { Feed = feedSettings };
            await using var app = ActorRecHost.Build(settings, logger, s => s.AddFeedApi(options), e => e.MapFeedApi());
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await app.Services.GetRequiredService<ReadinessState>().WhenReady.WaitAsync(cancellationToken).ConfigureAwait(false);
            var engine = app.Services.GetRequiredService<FeedEngine>();
            var (bytesPerUser, videoIdsBytes) = run.FootprintUsers == 0 ? (0, 0) : await FeedBenchProbes.BytesPerUserAsync(engine, run.FootprintUsers, FootprintEventsPerUser, cancellationToken).ConfigureAwait(false);
            var userStateBytes = run.FootprintUsers == 0 ? 0 : UserStateFootprint.Measure(feedSettings, run.FootprintUsers, FootprintEventsPerUser).RetainedPerUser;
            var profiled = run.Profile == 0 ? null : await FeedStageProfile.RunAsync(engine, run.Profile, cancellationToken).ConfigureAwait(false);
            var ingested = run.IngestProfile == 0 ? null : await FeedIngestProfile.RunAsync(engine, run.IngestProfile, run.Users, cancellationToken).ConfigureAwait(false);
            var baseUri = ActorRecHost.GetListeningUris(app)[0];
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
            using var requests = new FeedBenchRequests(baseUri);
            var videoRows = new int[EventsPerPost];

            var feeds = new List<double>();
            var posts = new List<double>();
            var freshness = new List<double>();
            var accepted = new long[run.Users];
            var inFlight = new List<Task>();
            // Open loop with a bound: a request due while max-in-flight are outstanding is not sent but counted as
            // dropped, so an overloaded node shows up as drops instead of an ever-growing backlog (and no OOM).
            var outstanding = new Outstanding(run.MaxInFlight);
            var misses = new FreshnessMisses();
            var rng = new Random(11);
            var clock = Stopwatch.StartNew();
            // Requests started during the warm-up are sent (the node warms up under the real load) but not recorded.
            var measureFrom = Stopwatch.GetTimestamp() + (long)(run.Warmup.TotalSeconds * Stopwatch.Frequency);
            long feedsIssued = 0, postsIssued = 0, eventId = 0;
            ResourceMark? atMeasure = null;
            using var ticker = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
            while (clock.Elapsed < run.Warmup + run.Duration && await ticker.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var seconds = clock.Elapsed.TotalSeconds;
                atMeasure ??= clock.Elapsed >= run.Warmup ? ResourceMark.Take() : null;
                for (; feedsIssued < (long)(seconds * run.FeedRate); feedsIssued++)
                {
                    var feedUser = rng.Next(run.Users);
                    if (outstanding.TryEnter(ref outstanding.FeedsDropped))
                    {
                        inFlight.Add(TimeAsync(http, requests.Feed(feedUser), feeds, outstanding, measureFrom, cancellationToken));
                    }
                }

                for (; postsIssued < (long)(seconds * run.EventRate / EventsPerPost); postsIssued++)
                {
                    // The same draws in the same order as before (user, then each event's video), so a run sends what it did.
                    var userIndex = rng.Next(run.Users);
                    for (var i = 0; i < videoRows.Length; i++)
                    {
                        videoRows[i] = rng.Next(run.Videos);
                    }

                    var firstEventId = eventId + 1;
                    eventId += EventsPerPost;
                    if (outstanding.TryEnter(ref outstanding.PostsDropped))
                    {
                        var probe = postsIssued % run.FreshnessEvery == 0
                            ? new FreshnessProbe(http, $"/v1/feed/{FeedBenchRequests.UserId(userIndex)}?count=10", freshness, misses, measureFrom, cancellationToken)
                            : null;
                        inFlight.Add(TimeAsync(http, requests.Events(userIndex, firstEventId, videoRows, DateTimeOffset.UtcNow), posts, outstanding, measureFrom,
                            cancellationToken, new AcceptedCount(accepted, userIndex), probe));
                    }
                }

                if (inFlight.Count > 4096)
                {
                    inFlight.RemoveAll(static t => t.IsCompleted);
                }
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            var elapsed = clock.Elapsed.TotalSeconds - run.Warmup.TotalSeconds;
            var used = ResourceMark.Take() - (atMeasure ?? ResourceMark.Take());
            var shed = app.Services.GetRequiredService<InFlightGauge>().Shed;
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            var feedSorted = Sorted(feeds);
            var postSorted = Sorted(posts);
            var freshSorted = Sorted(freshness);
            var figures = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["feeds_per_s"] = feedSorted.Length / elapsed,
                ["feed_p50_ms"] = Percentile(feedSorted, 0.50),
                ["feed_p99_ms"] = Percentile(feedSorted, 0.99),
                ["events_per_s"] = postSorted.Length * EventsPerPost / elapsed,
                ["freshness_p99_ms"] = Percentile(freshSorted, 0.99),
                ["bytes_per_user"] = bytesPerUser,
                ["user_state_bytes"] = userStateBytes,
                ["video_ids_bytes"] = videoIdsBytes,
                ["event_p99_ms"] = Percentile(postSorted, 0.99),
                ["freshness_p50_ms"] = Percentile(freshSorted, 0.50),
                ["freshness_probes"] = freshSorted.Length,
                ["freshness_misses"] = misses.Count,
                ["feeds_dropped"] = outstanding.FeedsDropped,
                ["feed_errors"] = outstanding.FeedErrors,
                ["feeds_shed"] = outstanding.FeedsShed,
                ["events_dropped"] = outstanding.PostsDropped * (double)EventsPerPost,
                ["event_errors"] = outstanding.PostErrors * (double)EventsPerPost,
                ["events_shed"] = outstanding.PostsShed * (double)EventsPerPost,
                ["server_shed"] = shed,
                ["index_hnsw"] = run.Index == VideoIndexKind.Hnsw ? 1 : 0,
                ["cpu_cores"] = used.CpuSeconds / elapsed,
                ["alloc_mb_per_s"] = used.AllocatedBytes / 1e6 / elapsed,
                ["gc_gen0"] = used.Gen0,
                ["gc_gen1"] = used.Gen1,
                ["gc_gen2"] = used.Gen2,
                ["gc_pause_ms"] = used.PauseMs,
                ["calibration_ms"] = calibration,
                ["load_avg"] = loadAvg,
            };
            foreach (var (key, value) in ingested ?? [])
            {
                figures[key] = value;
            }

            foreach (var (key, value) in profiled ?? [])
            {
                figures[key] = value;
            }

            return figures;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // A feed when accepted is null; a POST of events otherwise (its events counted for its user once accepted).
    private static async Task TimeAsync(HttpClient http, HttpRequestMessage request, List<double> latencies, Outstanding outstanding, long measureFrom,
        CancellationToken cancellationToken, AcceptedCount? accepted = null, FreshnessProbe? probe = null)
    {
        var isFeed = accepted is null;
        var started = Stopwatch.GetTimestamp();
        var ok = false;
        var shed = false;
        long expected = 0;
        try
        {
            using var _ = request;
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                ok = true;
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (started >= measureFrom)
                {
                    lock (latencies)
                    {
                        latencies.Add(ms);
                    }
                }

                expected = accepted?.Add(EventsPerPost) ?? 0;
            }
            else
            {
                shed = response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null;
            }
        }
        catch (HttpRequestException)
        {
        }
        catch (TaskCanceledException)
        {
        }
        finally
        {
            outstanding.Exit(ok, shed, isFeed);
        }

        if (ok && probe is not null)
        {
            await probe.RunAsync(Stopwatch.GetTimestamp(), expected).ConfigureAwait(false);
        }
    }

    /// <summary>A user's accepted events (the count a freshness probe's feed must reach).</summary>
    private sealed class AcceptedCount(long[] counts, int user)
    {
        public long Add(int events) => Interlocked.Add(ref counts[user], events);
    }

    /// <summary>Requests outstanding against the bound, and what did not make it (dropped before sending, shed, or failed).</summary>
    private sealed class Outstanding(int max)
    {
        private int _count;
        public long FeedsDropped;
        public long PostsDropped;
        public long FeedErrors;
        public long PostErrors;
        public long FeedsShed;
        public long PostsShed;

        public bool TryEnter(ref long dropped)
        {
            if (Interlocked.Increment(ref _count) <= max)
            {
                return true;
            }

            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref dropped);
            return false;
        }

        public void Exit(bool ok, bool shed, bool isFeed)
        {
            Interlocked.Decrement(ref _count);
            if (shed)
            {
                Interlocked.Increment(ref isFeed ? ref FeedsShed : ref PostsShed);
            }
            else if (!ok)
            {
                Interlocked.Increment(ref isFeed ? ref FeedErrors : ref PostErrors);
            }
        }
    }

    private static double[] Sorted(List<double> values)
    {
        var a = values.ToArray();
        Array.Sort(a);
        return a;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>
    /// The process's CPU time, allocations and collections at one instant; the difference of two is what the measured
    /// part cost (client and node together: they share the process). CPU per second is what a busy machine distorts
    /// least, so it is the figure to compare builds by when the load average is high.
    /// </summary>
    private readonly record struct ResourceMark(double CpuSeconds, double AllocatedBytes, int Gen0, int Gen1, int Gen2, double PauseMs)
    {
        public static ResourceMark Take() => new(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, GC.GetTotalAllocatedBytes(),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds);

        public static ResourceMark operator -(ResourceMark a, ResourceMark b) =>
            new(a.CpuSeconds - b.CpuSeconds, a.AllocatedBytes - b.AllocatedBytes, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.PauseMs - b.PauseMs);
    }

    private sealed record Run(int Videos, int Users, double FeedRate, double EventRate, TimeSpan Duration, int MaxInFlight, VideoIndexKind Index,
        int FreshnessEvery, int FootprintUsers, int ServerMaxInFlight, int Profile, TimeSpan Warmup, int IngestProfile);
}
