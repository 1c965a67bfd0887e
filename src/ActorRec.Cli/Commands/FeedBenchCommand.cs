using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Server;
using ActorRec.Server.Api;
using ActorRec.Server.Health;
using ActorRec.Server.Logging;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec bench feed [--json]</c>: a node in this process on loopback (SQLite journal in a temporary directory,
/// demo catalog), loaded open loop at a fixed feed rate while events are posted at a fixed rate (batches of 10).
/// Keys: feeds_per_s and events_per_s (completed per second), feed_p50_ms / feed_p99_ms (GET round trip),
/// freshness_p99_ms (POST /v1/events round trip: a 202 is sent only after the events are applied, so this is the
/// time until an event shows in the user's next feed), bytes_per_user (growth of the managed heap after a full GC
/// divided by the resident user actors: an upper bound, it includes journal and catalog caches). At most
/// --max-in-flight requests are outstanding; requests due beyond that are not sent and are reported as feeds_dropped /
/// events_dropped, failed responses as feed_errors / event_errors, so an overloaded node is visible in the figures.
/// </summary>
internal static class FeedBenchCommand
{
    private const int EventsPerPost = 10;

    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the documented numeric keys." };
        var videos = new Option<int>("--videos") { Description = "Demo catalog size.", DefaultValueFactory = _ => 100_000 };
        var users = new Option<int>("--users") { Description = "Distinct users.", DefaultValueFactory = _ => 100_000 };
        var feedRate = new Option<double>("--feed-rate") { Description = "Feed requests per second.", DefaultValueFactory = _ => 2_000 };
        var eventRate = new Option<double>("--event-rate") { Description = "Events per second.", DefaultValueFactory = _ => 10_000 };
        var duration = new Option<string>("--duration") { Description = "Load duration (e.g. 20s).", DefaultValueFactory = _ => "20s" };
        var maxInFlight = new Option<int>("--max-in-flight")
        {
            Description = "Most requests outstanding at once; a request due beyond it is counted as dropped, not sent.",
            DefaultValueFactory = _ => 1_024,
        };
        var feed = new Command("feed", "Feed engine over loopback: feed latency and throughput under event ingestion, freshness, memory per user.");
        foreach (var option in new Option[] { json, videos, users, feedRate, eventRate, duration, maxInFlight })
        {
            feed.Add(option);
        }

        feed.SetAction(async (parseResult, cancellationToken) =>
        {
            var run = new Run(parseResult.GetValue(videos), parseResult.GetValue(users), parseResult.GetValue(feedRate), parseResult.GetValue(eventRate),
                SimulateCommand.ParseDuration("--duration", parseResult.GetValue(duration)!), parseResult.GetValue(maxInFlight));
            if (run.Videos < 10 || run.Users < 1 || run.FeedRate <= 0 || run.EventRate < 0 || run.MaxInFlight < 1)
            {
                throw new UsageException("--videos must be at least 10, --users at least 1, --feed-rate positive, --event-rate not negative and --max-in-flight at least 1");
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
        var dir = Directory.CreateTempSubdirectory("actorrec-bench-feed-");
        try
        {
            var settings = ServerSettings.Create("bench", "127.0.0.1", 0, dir.FullName, 1 << 20, TimeSpan.FromSeconds(10));
            await using var logger = SerilogSetup.CreateLogger(LoggingSettings.Default with { Async = false, MinimumLevel = Serilog.Events.LogEventLevel.Warning }, TextWriter.Null);
            var options = FeedNodeOptions.ForDataDir(dir.FullName, run.Videos);
            await using var app = ActorRecHost.Build(settings, logger, s => s.AddFeedApi(options), e => e.MapFeedApi());
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await app.Services.GetRequiredService<ReadinessState>().WhenReady.WaitAsync(cancellationToken).ConfigureAwait(false);
            var engine = app.Services.GetRequiredService<FeedEngine>();
            var baseUri = ActorRecHost.GetListeningUris(app)[0];
            using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

            var feeds = new List<double>();
            var posts = new List<double>();
            var inFlight = new List<Task>();
            // Open loop with a bound: a request due while max-in-flight are outstanding is not sent but counted as
            // dropped, so an overloaded node shows up as drops instead of an ever-growing backlog (and no OOM).
            var outstanding = new Outstanding(run.MaxInFlight);
            var rng = new Random(11);
            var clock = Stopwatch.StartNew();
            long feedsIssued = 0, postsIssued = 0, eventId = 0;
            using var ticker = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
            while (clock.Elapsed < run.Duration && await ticker.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var seconds = clock.Elapsed.TotalSeconds;
                for (; feedsIssued < (long)(seconds * run.FeedRate); feedsIssued++)
                {
                    var path = $"/v1/feed/b-u{rng.Next(run.Users)}?count=10";
                    if (outstanding.TryEnter(ref outstanding.FeedsDropped))
                    {
                        inFlight.Add(TimeAsync(() => http.GetAsync(path, cancellationToken), feeds, outstanding, isFeed: true));
                    }
                }

                for (; postsIssued < (long)(seconds * run.EventRate / EventsPerPost); postsIssued++)
                {
                    var events = new InteractionEventDto[EventsPerPost];
                    var user = $"b-u{rng.Next(run.Users)}";
                    for (var i = 0; i < events.Length; i++)
                    {
                        events[i] = new InteractionEventDto($"b-e{++eventId}", i % 3 == 0 ? "like" : "view", user, $"v{rng.Next(run.Videos)}",
                            DateTimeOffset.UtcNow, 8_000);
                    }

                    var batch = new EventBatchDto(events);
                    if (outstanding.TryEnter(ref outstanding.PostsDropped))
                    {
                        inFlight.Add(TimeAsync(() => http.PostAsJsonAsync("/v1/events", batch, FeedJsonContext.Default.EventBatchDto, cancellationToken), posts, outstanding, isFeed: false));
                    }
                }

                if (inFlight.Count > 4096)
                {
                    inFlight.RemoveAll(static t => t.IsCompleted);
                }
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            var elapsed = clock.Elapsed.TotalSeconds;
            var residentUsers = (await engine.GetRegionStatsAsync(engine.Users).ConfigureAwait(false)).Entities;
            var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            var feedSorted = Sorted(feeds);
            var postSorted = Sorted(posts);
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["feeds_per_s"] = feedSorted.Length / elapsed,
                ["feed_p50_ms"] = Percentile(feedSorted, 0.50),
                ["feed_p99_ms"] = Percentile(feedSorted, 0.99),
                ["events_per_s"] = postSorted.Length * EventsPerPost / elapsed,
                ["freshness_p99_ms"] = Percentile(postSorted, 0.99),
                ["bytes_per_user"] = residentUsers == 0 ? 0 : Math.Max(0, heapAfter - heapBefore) / (double)residentUsers,
                ["feeds_dropped"] = outstanding.FeedsDropped,
                ["feed_errors"] = outstanding.FeedErrors,
                ["events_dropped"] = outstanding.PostsDropped * (double)EventsPerPost,
                ["event_errors"] = outstanding.PostErrors * (double)EventsPerPost,
            };
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task TimeAsync(Func<Task<HttpResponseMessage>> send, List<double> latencies, Outstanding outstanding, bool isFeed)
    {
        var started = Stopwatch.GetTimestamp();
        var ok = false;
        try
        {
            using var response = await send().ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                ok = true;
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(ms);
                }
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
            outstanding.Exit(ok, isFeed);
        }
    }

    /// <summary>Requests outstanding against the bound, and what did not make it (dropped before sending, or failed).</summary>
    private sealed class Outstanding(int max)
    {
        private int _count;
        public long FeedsDropped;
        public long PostsDropped;
        public long FeedErrors;
        public long PostErrors;

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

        public void Exit(bool ok, bool isFeed)
        {
            Interlocked.Decrement(ref _count);
            if (!ok)
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

    private sealed record Run(int Videos, int Users, double FeedRate, double EventRate, TimeSpan Duration, int MaxInFlight);
}
