using System.Diagnostics;

namespace ActorRec.Benchmarks.Compute;

/// <summary>
/// The CPU's memory bandwidth, measured the way STREAM's "copy" does: two buffers far larger than every cache,
/// copied in parallel partitions (one per thread), best of several passes, counting bytes read plus bytes written.
/// </summary>
public static class CpuCopyBandwidth
{
    /// <summary>GB/s (1e9 bytes) of read + write traffic.</summary>
    public static double Measure(long bytes, int threads, int passes, bool threadCpuTime = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        var count = (int)Math.Min(bytes / sizeof(float), Array.MaxLength);
        var source = GC.AllocateUninitializedArray<float>(count);
        var destination = GC.AllocateUninitializedArray<float>(count);
        source.AsSpan().Fill(1f); // touch every page before timing
        destination.AsSpan().Clear();
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var best = double.MaxValue;
        for (var pass = 0; pass <= passes; pass++)
        {
            if (threadCpuTime)
            {
                // One thread, timed by its own CPU time (see ThreadCpuClock).
                var cpuStart = ThreadCpuClock.Now();
                source.AsSpan().CopyTo(destination);
                var cpuSeconds = ThreadCpuClock.Now() - cpuStart;
                best = pass > 0 ? Math.Min(best, cpuSeconds) : best;
                continue;
            }

            var start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, options, part =>
            {
                var from = (int)((long)count * part / threads);
                var to = (int)((long)count * (part + 1) / threads);
                source.AsSpan(from, to - from).CopyTo(destination.AsSpan(from, to - from));
            });
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (pass > 0)
            {
                best = Math.Min(best, seconds); // pass 0 warms up the thread pool
            }
        }

        return 2.0 * count * sizeof(float) / best / 1e9;
    }
}
