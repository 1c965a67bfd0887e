using System.Diagnostics;
using ActorRec.Compute;
using ActorRec.Compute.Cpu;
using ActorRec.Compute.Cuda;

namespace ActorRec.Benchmarks.Compute;

/*
 * What `actorrec bench compute` measures, and why these numbers.
 *
 * Scoring B queries against C candidate rows of D floats reads C·D·4 bytes of candidates (each row once per call:
 * the CPU kernel tiles candidates in L2 and runs every query block over a tile before moving on; the GPU kernel
 * reads a 32-row slice once per 32-query tile, mostly from L2). At small batches that read is the whole cost, so
 * the kernel is memory-bound and the fair yardstick is the machine's own copy bandwidth, measured in the same run
 * with a copy kernel (STREAM convention: bytes read + bytes written). `bandwidth_fraction` = candidate bytes per
 * second / copy bandwidth. At large batches the work per byte grows (B multiply-adds per candidate float) and the
 * score matrix written (B·C·4 bytes) outgrows the candidates, so the fraction falls while scores/s keeps rising;
 * `moved_gb_per_s` counts every byte (candidates, queries, scores) to show where the time goes.
 *
 * Candidate rows are a random sample of the table in random order (what retrieval hands the ranker), not a
 * sequential scan. Every configuration is timed as the best of repeated calls after a warm-up call.
 */

/// <summary>The macro benchmark behind <c>actorrec bench compute</c>.</summary>
public static class ComputeBenchmarks
{
    /// <summary>Entry point for the CLI verb: parses, runs, prints; returns the exit code.</summary>
    public static int Execute(IReadOnlyList<string> args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ComputeBenchOptions options;
        try
        {
            options = ComputeBenchOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            output.WriteLine(e.Message);
            return 2;
        }

        var report = Run(options, options.Json ? TextWriter.Null : output);
        output.WriteLine(options.Json ? report.ToJson() : report.ToTable());
        return 0;
    }

    /// <summary>Runs the grid of <paramref name="options"/>; progress lines go to <paramref name="progress"/>.</summary>
    public static ComputeBenchReport Run(ComputeBenchOptions options, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        return options.Backend switch
        {
            "cpu" => RunCpu(options, progress),
            "cuda" => RunCuda(options, progress),
            _ => throw new ArgumentException($"Unknown backend '{options.Backend}': expected cpu or cuda.", nameof(options)),
        };
    }

    private static ComputeBenchReport RunCpu(ComputeBenchOptions options, TextWriter progress)
    {
        var settings = options.CpuTime ? ComputeSettings.Default with { MaxThreads = 1 } : ComputeSettings.Default;
        using var backend = new CpuScoringBackend(settings);
        var copy = CpuCopyBandwidth.Measure(options.CopyBytes, settings.EffectiveThreads, options.Quick ? 2 : 5, options.CpuTime);
        var clock = options.CpuTime ? (ThreadCpuClock.IsThreadCpuTime ? "thread CPU time" : "wall clock (no thread CPU clock here)") : "wall clock";
        progress.WriteLine($"copy bandwidth: {copy:F2} GB/s ({settings.EffectiveThreads} threads, 2 x {options.CopyBytes >> 20} MiB, {clock})");
        var runs = RunGrid(options, progress, copy, (queries, batch, table, rows, scores) =>
        {
            backend.ScoreShared(queries, batch, table, rows, scores);
            return -1; // timed by the caller
        });
        return new ComputeBenchReport($"{backend.Name}, {clock}", $"{Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}", copy, runs);
    }

    private static ComputeBenchReport RunCuda(ComputeBenchOptions options, TextWriter progress)
    {
        using var backend = CudaScoringBackend.Create(ComputeSettings.Default with { Backend = ComputeBackendKind.Cuda });
        var copyBytes = Math.Max(options.CopyBytes, options.Quick ? options.CopyBytes : 1L << 30);
        var copy = backend.MeasureCopyBandwidth(copyBytes, options.Quick ? 3 : 20);
        progress.WriteLine($"device copy bandwidth: {copy:F1} GB/s on {backend.Device}");
        var runs = RunGrid(options, progress, copy, (queries, batch, table, rows, _) =>
        {
            // Kernel time only (table resident, inputs uploaded once), from CUDA events.
            var once = backend.TimeScoreSharedKernel(queries, batch, table, rows, 1);
            var iterations = (int)Math.Clamp(options.MinTimePerRun.TotalSeconds / Math.Max(once, 1e-6), 3, 2000);
            return backend.TimeScoreSharedKernel(queries, batch, table, rows, iterations);
        });
        return new ComputeBenchReport(backend.Name, backend.Device.ToString(), copy, runs);
    }

    /// <summary>Scores one configuration; returns seconds per call, or a negative number to be timed here.</summary>
    private delegate double ScoreCall(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> rows, Span<float> scores);

    private static List<ComputeBenchRun> RunGrid(ComputeBenchOptions options, TextWriter progress, double copyGbPerSecond, ScoreCall score)
    {
        var rng = new Random(20261121);
        var maxCandidates = Max(options.Candidates);
        var maxBatch = Max(options.Batches);
        var scores = new float[(long)maxCandidates * maxBatch];
        var runs = new List<ComputeBenchRun>();
        foreach (var dim in options.Dimensions)
        {
            var table = new EmbeddingTable(maxCandidates, dim);
            table.SetAll(RandomVector(rng, maxCandidates * dim));
            var permutation = new int[maxCandidates];
            for (var i = 0; i < permutation.Length; i++)
            {
                permutation[i] = i;
            }

            rng.Shuffle(permutation);
            var queries = RandomVector(rng, maxBatch * dim);
            foreach (var candidates in options.Candidates)
            {
                var rows = permutation.AsSpan(0, candidates);
                foreach (var batch in options.Batches)
                {
                    var q = queries.AsSpan(0, batch * dim);
                    var s = scores.AsSpan(0, batch * candidates);
                    var seconds = score(q, batch, table, rows, s);
                    if (seconds < 0)
                    {
                        seconds = TimeBest(options.MinTimePerRun, options.CpuTime, () => score(queries.AsSpan(0, batch * dim), batch, table, permutation.AsSpan(0, candidates), scores.AsSpan(0, batch * candidates)));
                    }

                    var candidateBytes = (double)candidates * dim * sizeof(float);
                    var moved = candidateBytes + ((double)batch * dim * sizeof(float)) + ((double)batch * candidates * sizeof(float));
                    var run = new ComputeBenchRun(
                        dim,
                        batch,
                        candidates,
                        seconds,
                        (double)batch * candidates / seconds,
                        candidateBytes / seconds / 1e9,
                        moved / seconds / 1e9,
                        candidateBytes / seconds / 1e9 / copyGbPerSecond);
                    runs.Add(run);
                    progress.WriteLine($"dim {dim,4} batch {batch,5} candidates {candidates,7}: {seconds * 1e3,9:F3} ms, {run.ScoresPerSecond:E3} scores/s, {run.ScoreGbPerSecond:F2} GB/s candidates ({run.BandwidthFraction:P0})");
                }
            }
        }

        return runs;
    }

    private static double TimeBest(TimeSpan budget, bool cpuTime, Action call)
    {
        var best = double.MaxValue;
        var total = Stopwatch.StartNew();
        var reps = 0;
        while (reps < 3 || total.Elapsed < budget)
        {
            if (cpuTime)
            {
                var start = ThreadCpuClock.Now();
                call();
                best = Math.Min(best, ThreadCpuClock.Now() - start);
            }
            else
            {
                var start = Stopwatch.GetTimestamp();
                call();
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
            }

            reps++;
        }

        return best;
    }

    private static float[] RandomVector(Random rng, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return values;
    }

    private static int Max(IReadOnlyList<int> values)
    {
        var max = 0;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }

        return max;
    }
}
