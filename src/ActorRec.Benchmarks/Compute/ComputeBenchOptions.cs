namespace ActorRec.Benchmarks.Compute;

/// <summary>Options of <c>actorrec bench compute [--backend cpu|cuda] [--json] [--quick] [--cpu-time]</c>.</summary>
public sealed record ComputeBenchOptions
{
    /// <summary>cpu or cuda (auto is resolved by the caller before running a benchmark: we measure what we name).</summary>
    public string Backend { get; init; } = "cpu";

    /// <summary>Print one JSON object instead of a table.</summary>
    public bool Json { get; init; }

    /// <summary>A tiny grid and short timings (smoke test of the harness, not a measurement).</summary>
    public bool Quick { get; init; }

    /// <summary>
    /// CPU only: run copy and scoring on one thread and time them by that thread's CPU time, so the ratio holds on a
    /// machine busy with other work (wall-clock multi-threaded figures are the default).
    /// </summary>
    public bool CpuTime { get; init; }

    /// <summary>Embedding dimensions measured.</summary>
    public IReadOnlyList<int> Dimensions { get; init; } = [64, 128];

    /// <summary>Query batch sizes measured.</summary>
    public IReadOnlyList<int> Batches { get; init; } = [1, 8, 64, 256, 1024];

    /// <summary>Candidate counts measured.</summary>
    public IReadOnlyList<int> Candidates { get; init; } = [1_000, 10_000, 100_000];

    /// <summary>Size of each of the two copy buffers for the bandwidth probe.</summary>
    public long CopyBytes { get; init; } = 256L << 20;

    /// <summary>Time spent measuring each configuration (after one warm-up call).</summary>
    public TimeSpan MinTimePerRun { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The quick variant: tiny grid, short runs.</summary>
    public static ComputeBenchOptions QuickGrid(string backend = "cpu") => new()
    {
        Backend = backend,
        Quick = true,
        Dimensions = [16, 33],
        Batches = [1, 5],
        Candidates = [100, 1_000],
        CopyBytes = 4L << 20,
        MinTimePerRun = TimeSpan.FromMilliseconds(5),
    };

    /// <summary>Parses the verb's arguments; the exception names the bad argument.</summary>
    public static ComputeBenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var backend = "cpu";
        var json = false;
        var quick = false;
        var cpuTime = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--json":
                    json = true;
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--cpu-time":
                    cpuTime = true;
                    break;
                case "--backend":
                    if (i + 1 >= args.Count)
                    {
                        throw new ArgumentException("--backend needs a value: cpu or cuda.", nameof(args));
                    }

                    backend = args[++i].ToLowerInvariant();
                    if (backend is not ("cpu" or "cuda"))
                    {
                        throw new ArgumentException($"--backend {args[i]}: expected cpu or cuda.", nameof(args));
                    }

                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: bench compute [--backend cpu|cuda] [--json] [--quick] [--cpu-time]", nameof(args));
            }
        }

        var options = quick ? QuickGrid(backend) : new ComputeBenchOptions { Backend = backend };
        return options with { Json = json, CpuTime = cpuTime };
    }
}
