using System.Diagnostics;
using System.Globalization;
using ActorRec.Persistence.Journal;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>bench feed --ingest-profile N</c>: before the HTTP load, N events go through <see cref="FeedEngine.IngestAsync"/>
/// in batches of 10 (one user per batch, as the load generator posts them), closed loop with 32 batches outstanding,
/// on the node's real journal. The figures are what the engine's ingest costs without HTTP: process CPU time and
/// managed allocations per event (the process is otherwise idle then, so CPU time is a figure a busy machine distorts
/// little), throughput, and the latency of a batch (durable and applied).
/// <para>Two journal figures a busy machine does not distort at all: the events per group commit, and the bytes the
/// process wrote per event (Linux <c>/proc/self/io</c> <c>wchar</c>: WAL frames plus checkpoints, 0 elsewhere). The
/// second is the I/O cost of the layout: every video row lands on its own page of the (pid, sequence_nr) index, and a
/// touched page is written whole to the WAL at commit, so it is ~4× the bytes the rows themselves hold.</para>
/// </summary>
internal static class FeedIngestProfile
{
    private const int EventsPerBatch = 10;
    private const int Outstanding = 32;
    private const int WarmupEvents = 5_000;

    public static async Task<Dictionary<string, double>> RunAsync(FeedEngine engine, int events, int users, CancellationToken cancellationToken)
    {
        var rng = new Random(17);
        var start = DateTimeOffset.UtcNow;
        long next = 0;
        await RunBatchesAsync(engine, WarmupEvents / EventsPerBatch, users, rng, start, () => next++, null, cancellationToken).ConfigureAwait(false);

        var batches = Math.Max(1, events / EventsPerBatch);
        var latencies = new List<double>(batches);
        using var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var alloc0 = GC.GetTotalAllocatedBytes();
        var journal = engine.Runtime.Journal as JournalBase;
        var commits0 = journal?.CommitCount ?? 0;
        var written0 = BytesWritten();
        var wall = Stopwatch.StartNew();
        await RunBatchesAsync(engine, batches, users, rng, start, () => next++, latencies, cancellationToken).ConfigureAwait(false);
        wall.Stop();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        var alloc = GC.GetTotalAllocatedBytes() - alloc0;
        var written = BytesWritten() - written0;
        var commits = (journal?.CommitCount ?? 0) - commits0;
        var n = batches * (double)EventsPerBatch;
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["ingest_events"] = n,
            ["ingest_events_per_s"] = n / wall.Elapsed.TotalSeconds,
            ["ingest_cpu_us_per_event"] = cpu * 1e6 / n,
            ["ingest_alloc_bytes_per_event"] = alloc / n,
            ["ingest_write_bytes_per_event"] = written / n,
            ["ingest_events_per_commit"] = commits == 0 ? 0 : n / commits,
            ["ingest_batch_p50_ms"] = sorted[(sorted.Length - 1) / 2],
            ["ingest_batch_p99_ms"] = sorted[Math.Clamp((int)Math.Ceiling(0.99 * sorted.Length) - 1, 0, sorted.Length - 1)],
        };
    }

    // Bytes this process has written so far (write/pwrite calls), or 0 where /proc/self/io does not exist.
    private static long BytesWritten()
    {
        const string Path = "/proc/self/io";
        if (!File.Exists(Path))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(Path))
        {
            if (line.StartsWith("wchar:", StringComparison.Ordinal)
                && long.TryParse(line.AsSpan(6).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes))
            {
                return bytes;
            }
        }

        return 0;
    }

    private static async Task RunBatchesAsync(FeedEngine engine, int batches, int users, Random rng, DateTimeOffset start, Func<long> nextId,
        List<double>? latencies, CancellationToken cancellationToken)
    {
        var catalog = engine.Catalog;
        var pending = new List<Task>(Outstanding);
        for (var b = 0; b < batches; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var user = $"i-u{rng.Next(users)}";
            var batch = new InteractionEvent[EventsPerBatch];
            for (var i = 0; i < batch.Length; i++)
            {
                var id = nextId();
                var video = catalog.Info(rng.Next(catalog.Count)).VideoId;
                batch[i] = new InteractionEvent($"i-e{id}", i % 3 == 0 ? InteractionType.Like : InteractionType.View, user, video,
                    start.AddMilliseconds(id), 8_000, 15_000, 0, "US", "ios");
            }

            pending.Add(TimeAsync(engine, batch, latencies, cancellationToken));
            if (pending.Count == Outstanding)
            {
                await Task.WhenAny(pending).ConfigureAwait(false);
                pending.RemoveAll(static t => t.IsCompleted);
            }
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    private static async Task TimeAsync(FeedEngine engine, InteractionEvent[] batch, List<double>? latencies, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await engine.IngestAsync(batch, cancellationToken).ConfigureAwait(false);
        if (result.Accepted != batch.Length)
        {
            throw new InvalidOperationException($"ingest profile: {result.Accepted} of {batch.Length} events accepted");
        }

        if (latencies is not null)
        {
            lock (latencies)
            {
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }
}
