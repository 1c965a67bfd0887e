using System.Diagnostics;
using System.Globalization;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Server.Api;

namespace ActorRec.Cli.Commands;

/// <summary>The measurements of <c>bench feed</c> besides latency: freshness, memory per user, machine calibration.</summary>
internal static class FeedBenchProbes
{
    /// <summary>
    /// Makes <paramref name="users"/> new users resident (each gets <paramref name="eventsPerUser"/> events through the
    /// engine, in process) and returns the growth of the managed heap, after full collections, per user made resident:
    /// everything the heap grew by, the users' actors and state, the region's and the journal's bookkeeping, and what
    /// the 20 videos the events touch remember of them. The events of a user lie within a few seconds of each other,
    /// so every video keeps all of its ~<c>users * eventsPerUser / 20</c> ids for the idempotency horizon; that part is
    /// also returned on its own (<c>VideoIdsBytes</c>, per user made resident, included in <c>BytesPerUser</c>),
    /// computed after the heap was read by adding the same ids with the same seconds to one <see cref="AppliedIds"/> per
    /// video configured as the videos' are (its bytes depend only on how many ids it holds and the span of their
    /// seconds, not on their order).
    /// Also counted are the fixed structures the probe's events are the first to need (e.g. the region's trend buckets).
    /// The heap is read only after the ingestion's call stacks have unwound: the last batch's completion runs this
    /// method's continuation inline, and its frames would otherwise keep that batch of the probe's own events alive.
    /// </summary>
    public static async Task<(double BytesPerUser, double VideoIdsBytes)> BytesPerUserAsync(FeedEngine engine, int users, int eventsPerUser, CancellationToken cancellationToken)
    {
        const int Videos = 20;
        var start = DateTimeOffset.UtcNow;
        var residentBefore = (await engine.GetRegionStatsAsync(engine.Users).ConfigureAwait(false)).Entities;
        var heapBefore = FullHeap();
        const int UsersPerBatch = 100;
        var pending = new List<Task<IngestResult>>();
        for (var first = 0; first < users; first += UsersPerBatch)
        {
            pending.Add(engine.IngestAsync(Batch(first, Math.Min(users, first + UsersPerBatch), eventsPerUser, start), cancellationToken));
            if (pending.Count == 8)
            {
                await Task.WhenAll(pending).ConfigureAwait(false);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        pending.Clear();
        var heapAfter = await Task.Run(FullHeap, cancellationToken).ConfigureAwait(false);
        var resident = (await engine.GetRegionStatsAsync(engine.Users).ConfigureAwait(false)).Entities - residentBefore;
        // After the heap was read, so that these copies are not counted in it.
        var v = engine.Settings.Video;
        var videoIds = new AppliedIds[Videos];
        for (var i = 0; i < Videos; i++)
        {
            videoIds[i] = new AppliedIds(v.IdempotencyWindow, v.IdempotencyHorizon, v.IdempotencyMax);
        }

        for (var u = 0; u < users; u++)
        {
            for (var j = 0; j < eventsPerUser; j++)
            {
                videoIds[(u + j) % Videos].Add(StableHash.Key("event:", EventId(u, j)), start.AddSeconds(j));
            }
        }

        long videoBytes = 0;
        foreach (var ids in videoIds)
        {
            videoBytes += ids.HeapBytes;
        }

        return resident <= 0 ? (0, 0) : (Math.Max(0, heapAfter - heapBefore) / (double)resident, videoBytes / (double)resident);
    }

    /// <summary>Milliseconds of a fixed single-thread integer loop (best of 3): a yardstick of how busy the machine is.</summary>
    public static double Calibrate()
    {
        var best = double.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var started = Stopwatch.GetTimestamp();
            var x = 88172645463325252UL;
            for (var i = 0; i < 20_000_000; i++)
            {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
            }

            GC.KeepAlive(x);
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return best;
    }

    /// <summary>The 1-minute load average (Linux), or -1 when it cannot be read.</summary>
    public static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            return double.Parse(space > 0 ? text[..space] : text, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }

    private static string EventId(int user, int j) => $"m-u{user}-e{j}";

    private static List<InteractionEvent> Batch(int first, int end, int eventsPerUser, DateTimeOffset start)
    {
        var batch = new List<InteractionEvent>((end - first) * eventsPerUser);
        for (var u = first; u < end; u++)
        {
            for (var j = 0; j < eventsPerUser; j++)
            {
                var type = j % 4 == 1 ? InteractionType.Like : InteractionType.View;
                batch.Add(new InteractionEvent(EventId(u, j), type, $"m-u{u}", $"v{(u + j) % 20}", start.AddSeconds(j), 9_000, 15_000, 0, "US", "ios"));
            }
        }

        return batch;
    }

    private static long FullHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>
/// One freshness measurement: after a POST's 202, fetch the user's feed until its
/// <see cref="FeedApi.UserEventCountHeader"/> reaches the user's accepted event count; record the time since the 202.
/// </summary>
internal sealed class FreshnessProbe(HttpClient http, string path, List<double> samples, FreshnessMisses misses, long measureFrom, CancellationToken cancellationToken)
{
    private const int MaxAttempts = 20;

    public async Task RunAsync(long acceptedAt, long expected)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(path, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode && response.Headers.TryGetValues(FeedApi.UserEventCountHeader, out var values)
                    && long.TryParse(values.First(), NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= expected)
                {
                    var ms = Stopwatch.GetElapsedTime(acceptedAt).TotalMilliseconds;
                    if (acceptedAt >= measureFrom)
                    {
                        lock (samples)
                        {
                            samples.Add(ms);
                        }
                    }

                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                break;
            }
        }

        misses.Add();
    }
}

/// <summary>Freshness probes whose event never showed in a feed.</summary>
internal sealed class FreshnessMisses
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);
}
