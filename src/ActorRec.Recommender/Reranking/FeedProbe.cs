using System.Diagnostics;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Reranking;

/// <summary>Figures of one <see cref="FeedProbe"/> run (single thread, in process, no HTTP).</summary>
public sealed record FeedProbeResult(
    int Videos,
    int Users,
    long Events,
    double EventsPerSecond,
    int Feeds,
    double FeedP50Ms,
    double FeedP99Ms,
    double FeedsPerSecond);

/// <summary>
/// The in-process cost of the feed engine, for <c>actorrec bench</c>: loads a demo catalog into a
/// <see cref="LocalFeedEngine"/>, applies events for a population of users (each user watches videos of one latent
/// topic, with likes, skips and the odd follow), then times feed requests (retrieval with the exact index, ranking,
/// re-ranking) for random users. One thread; the HTTP and actor layers come on top of these numbers.
/// </summary>
public static class FeedProbe
{
    public static FeedProbeResult Run(FeedSettings settings, int videos = 100_000, int users = 1_000, int eventsPerUser = 20, int feeds = 2_000, int seed = 7)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(videos, 10);
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(feeds, 1);
        var now = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
        var engine = new LocalFeedEngine(settings);
        var demo = DemoCatalog.Generate(new DemoCatalogOptions { Videos = videos, Creators = Math.Max(1, videos / 10), Now = now });
        foreach (var v in demo)
        {
            engine.PutVideo(v.VideoId, v.Upload, v.UploadedAt);
        }

        var byTopic = new Dictionary<int, List<DemoVideo>>();
        foreach (var v in demo)
        {
            (byTopic.TryGetValue(v.Topic, out var list) ? list : byTopic[v.Topic] = []).Add(v);
        }

        var rng = new Random(seed);
        var events = new List<InteractionEvent>(users * eventsPerUser);
        for (var u = 0; u < users; u++)
        {
            var topic = byTopic[demo[rng.Next(demo.Count)].Topic];
            for (var j = 0; j < eventsPerUser; j++)
            {
                var v = topic[rng.Next(topic.Count)];
                var at = now.AddSeconds((u * eventsPerUser) + j);
                var type = (j % 10) switch
                {
                    3 => InteractionType.Like,
                    7 => InteractionType.Skip,
                    9 when j % 20 == 19 => InteractionType.Follow,
                    _ => InteractionType.View,
                };
                events.Add(new InteractionEvent($"p{u}-{j}", type, $"u{u}", v.VideoId, at, (long)(v.Upload.DurationMs * rng.NextDouble() * 1.2), 0, 0, "US", "ios"));
            }
        }

        var start = Stopwatch.GetTimestamp();
        foreach (var e in events)
        {
            engine.Apply(e);
        }

        var eventSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var feedTime = now.AddSeconds(users * eventsPerUser);
        var latencies = new double[feeds];
        var warmup = Math.Min(100, feeds);
        for (var i = 0; i < warmup; i++)
        {
            engine.GetFeed($"u{rng.Next(users)}", new FeedRequest(10, "US", feedTime));
        }

        var all = Stopwatch.GetTimestamp();
        for (var i = 0; i < feeds; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            engine.GetFeed($"u{rng.Next(users)}", new FeedRequest(10, "US", feedTime.AddMilliseconds(i)));
            latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }

        var feedSeconds = Stopwatch.GetElapsedTime(all).TotalSeconds;
        Array.Sort(latencies);
        return new FeedProbeResult(
            videos, users, events.Count, events.Count / eventSeconds, feeds,
            latencies[(int)(0.50 * (feeds - 1))], latencies[(int)(0.99 * (feeds - 1))], feeds / feedSeconds);
    }
}
