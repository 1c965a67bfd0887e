using System.Diagnostics;
using System.Text.Json;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Users;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>bench feed --profile N</c>: N feeds (after 2,000 untimed ones) built on one thread, stage by stage, with a stopwatch and the thread's
/// allocation counter around each stage: retrieval (and inside it the index search of the embedding path alone),
/// ranking, re-ranking, the wire DTO and JSON; then N feeds through the engine (actor hops, micro-batch window)
/// one at a time. Users are 64 in-memory states with 20 events each, so the seen filter and the similar path work.
/// </summary>
internal static class FeedStageProfile
{
    /// <summary>
    /// Feeds built before the timed ones: enough for tiered compilation to promote the pipeline's methods to optimised
    /// code (with 50, most of the timed window ran tier-0 code, and the stages read 2-3x slower than a running node).
    /// </summary>
    private const int WarmupFeeds = 2_000;

    public static async Task<Dictionary<string, double>> RunAsync(FeedEngine engine, int feeds, CancellationToken cancellationToken)
    {
        var settings = engine.Settings;
        var catalog = engine.Catalog;
        var pipeline = engine.Pipeline;
        var now = DateTimeOffset.UtcNow;
        var users = new UserState[64];
        var rng = new Random(5);
        var negatives = new float[settings.Learning.NegativeSamples * settings.EmbeddingDim];
        for (var u = 0; u < users.Length; u++)
        {
            users[u] = new UserState($"p-u{u}", settings);
            for (var j = 0; j < 20; j++)
            {
                var row = rng.Next(catalog.Count);
                var facts = catalog.Facts(row);
                var e = new InteractionEvent($"p-u{u}-e{j}", j % 4 == 1 ? InteractionType.Like : InteractionType.View, $"p-u{u}", facts.VideoId,
                    now.AddSeconds(j - 40), 9_000, 15_000, 0, "US", "ios");
                users[u].Apply(e, facts, negatives);
            }
        }

        // The embedding path's first search (the one most feeds make; see CandidateRetriever).
        var ask = (int)Math.Ceiling(settings.Retrieval.EmbeddingQuota * Math.Min(settings.Retrieval.Oversample, settings.Retrieval.EmbeddingFirstOversample));
        var rows = new int[ask];
        var scores = new float[ask];
        var query = new float[settings.EmbeddingDim];
        var ticks = new long[6];
        var bytes = new long[6];
        for (var i = 0; i < feeds + WarmupFeeds; i++)
        {
            var measure = i >= WarmupFeeds;
            var user = users[i % users.Length];
            var request = new FeedRequest(10, "US", now);
            var a0 = GC.GetAllocatedBytesForCurrentThread();
            var t0 = Stopwatch.GetTimestamp();
            user.BuildQuery(now, settings.Ranking.SessionBlend, query);
            engine.Index.Search(query, ask, rows, scores);
            var a1 = GC.GetAllocatedBytesForCurrentThread();
            var t1 = Stopwatch.GetTimestamp();
            var set = pipeline.Retrieve(user, request);
            var a2 = GC.GetAllocatedBytesForCurrentThread();
            var t2 = Stopwatch.GetTimestamp();
            pipeline.Rank([set]);
            var a3 = GC.GetAllocatedBytesForCurrentThread();
            var t3 = Stopwatch.GetTimestamp();
            var result = pipeline.Finish(set, request);
            var a4 = GC.GetAllocatedBytesForCurrentThread();
            var t4 = Stopwatch.GetTimestamp();
            var dto = FeedPipeline.ToDto(result, explain: false);
            var a5 = GC.GetAllocatedBytesForCurrentThread();
            var t5 = Stopwatch.GetTimestamp();
            var json = JsonSerializer.SerializeToUtf8Bytes(dto, FeedJsonContext.Default.FeedResponseDto);
            var a6 = GC.GetAllocatedBytesForCurrentThread();
            var t6 = Stopwatch.GetTimestamp();
            GC.KeepAlive(json);
            if (measure)
            {
                ticks[0] += t1 - t0;
                ticks[1] += t2 - t1;
                ticks[2] += t3 - t2;
                ticks[3] += t4 - t3;
                ticks[4] += t5 - t4;
                ticks[5] += t6 - t5;
                bytes[0] += a1 - a0;
                bytes[1] += a2 - a1;
                bytes[2] += a3 - a2;
                bytes[3] += a4 - a3;
                bytes[4] += a5 - a4;
                bytes[5] += a6 - a5;
            }
        }

        var engineStarted = Stopwatch.GetTimestamp();
        for (var i = 0; i < feeds; i++)
        {
            await engine.GetFeedAsync($"p-e{i % 64}", 10, "US", explain: false, cancellationToken).ConfigureAwait(false);
        }

        var engineUs = Stopwatch.GetElapsedTime(engineStarted).TotalMicroseconds / feeds;
        string[] names = ["search", "retrieve", "rank", "rerank", "dto", "json"];
        var result2 = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var k = 0; k < names.Length; k++)
        {
            result2[$"profile_{names[k]}_us"] = ticks[k] * 1e6 / Stopwatch.Frequency / feeds;
            result2[$"profile_{names[k]}_bytes"] = bytes[k] / (double)feeds;
        }

        result2["profile_engine_feed_us"] = engineUs;
        return result2;
    }
}
