using System.CommandLine;
using System.Reflection;
using ActorRec.Benchmarks.Actors;
using ActorRec.Benchmarks.Compute;
using ActorRec.Benchmarks.Journal;
using BenchmarkDotNet.Running;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec bench ...</c>: the macro benchmarks (one verb per area, each printing a table or one JSON object)
/// and <c>bench micro</c>, BenchmarkDotNet over the micro-benchmarks in ActorRec.Benchmarks.
/// </summary>
internal static class BenchCommands
{
    public static Command Create(CliContext context)
    {
        var bench = new Command("bench", "Run benchmarks: macro harnesses per area, or BenchmarkDotNet micro-benchmarks.");
        bench.Add(CreateActors(context));
        bench.Add(CreateCompute(context));
        bench.Add(CreateJournal(context));
        bench.Add(CreateMicro(context));
        bench.Add(FeedBenchCommand.Create(context));
        bench.Add(RemoteBenchCommand.Create(context));
        bench.Add(RemoteBenchCommand.CreatePeer(context));
        bench.Add(AnnBenchCommand.Create(context));
        bench.Add(ClusterBenchCommand.Create(context));
        bench.SetAction(parseResult =>
        {
            CliApp.WriteHelp(parseResult.CommandResult.Command, context.Output);
            return ExitCodes.Usage;
        });
        return bench;
    }

    /// <summary><c>bench actors [--json] [--runs N] [--scale X]</c>: the four runtime benchmarks of ACTOR-BENCHMARKS.md.</summary>
    private static Command CreateActors(CliContext context)
    {
        var json = JsonOption();
        var runs = new Option<int>("--runs")
        {
            Description = "Timed runs per benchmark after one warm-up; the median is reported.",
            DefaultValueFactory = _ => 3,
        };
        var scale = new Option<double>("--scale")
        {
            Description = "Multiplies every message and actor count (1 = the published definitions; e.g. 0.1 for a quick look).",
            DefaultValueFactory = _ => 1.0,
        };
        var actors = new Command("actors", "Actor runtime: ping-pong, one-way tell, fan-out to 100k actors, ask latency; beside Akka.NET's figures.");
        actors.Add(json);
        actors.Add(runs);
        actors.Add(scale);
        actors.SetAction(parseResult =>
        {
            var timedRuns = parseResult.GetValue(runs);
            var factor = parseResult.GetValue(scale);
            if (timedRuns < 1)
            {
                throw new UsageException($"--runs must be at least 1, got {timedRuns}");
            }

            if (!(factor > 0 && factor <= 10))
            {
                throw new UsageException($"--scale must be in (0, 10], got {factor.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            }

            var asJson = parseResult.GetValue(json);
            var result = ActorBenchmarks.RunAll(new ActorBenchmarkOptions(timedRuns, factor, asJson ? context.Error : context.Output));
            if (asJson)
            {
                context.Output.WriteLine(result.ToJson());
            }
            else
            {
                ActorBenchTable.Write(result, context.Output, context.IsConsole && !Console.IsOutputRedirected);
            }

            return ExitCodes.Ok;
        });
        return actors;
    }

    /// <summary><c>bench compute [--backend cpu|cuda] [--json] [--quick]</c>: scoring throughput against measured copy bandwidth.</summary>
    private static Command CreateCompute(CliContext context)
    {
        var backend = new Option<string>("--backend")
        {
            Description = "Scoring backend to measure.",
            DefaultValueFactory = _ => "cpu",
        };
        backend.AcceptOnlyFromAmong("cpu", "cuda");
        var json = JsonOption();
        var quick = new Option<bool>("--quick") { Description = "A tiny grid with short timings: a smoke test of the harness, not a measurement." };
        var compute = new Command("compute", "Scoring backends: scores/s and bandwidth for 64/128-dim embeddings, batches 1-1,024, 1k-100k candidates.");
        compute.Add(backend);
        compute.Add(json);
        compute.Add(quick);
        compute.SetAction(parseResult =>
        {
            var name = parseResult.GetValue(backend) ?? "cpu";
            var options = parseResult.GetValue(quick) ? ComputeBenchOptions.QuickGrid(name) : new ComputeBenchOptions { Backend = name };
            options = options with { Json = parseResult.GetValue(json) };
            var report = ComputeBenchmarks.Run(options, options.Json ? context.Error : context.Output);
            context.Output.WriteLine(options.Json ? report.ToJson() : report.ToTable());
            return ExitCodes.Ok;
        });
        return compute;
    }

    /// <summary>BenchmarkDotNet arguments that print information instead of running anything.</summary>
    private static bool IsInformational(string[] args)
    {
        foreach (var arg in args)
        {
            if (arg is "--list" or "--help" or "-h" or "--info" or "--version")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>bench journal [--store sqlite|postgres] [--postgres CONNSTR] [--data-dir DIR] [--scale X] [--json]</c>.</summary>
    private static Command CreateJournal(CliContext context)
    {
        var store = new Option<string>("--store")
        {
            Description = "Journal to measure.",
            DefaultValueFactory = _ => "sqlite",
        };
        store.AcceptOnlyFromAmong("sqlite", "postgres");
        var postgres = new Option<string>("--postgres")
        {
            Description = "Connection string of a running PostgreSQL (default for --store postgres: a throwaway server from the installed binaries).",
            HelpName = "CONNSTR",
        };
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Directory for the SQLite files (default: a temporary directory, deleted afterwards).",
            HelpName = "DIR",
        };
        var scale = new Option<double>("--scale")
        {
            Description = "Multiplies every event count (1 = the reported figures; e.g. 0.1 for a smoke run).",
            DefaultValueFactory = _ => 1.0,
        };
        var json = JsonOption();
        var journal = new Command("journal", "Journal: persist throughput with 1, 100 and 10,000 persisting actors, persist latency, recovery throughput.");
        journal.Add(store);
        journal.Add(postgres);
        journal.Add(dataDir);
        journal.Add(scale);
        journal.Add(json);
        journal.SetAction(async (parseResult, cancellationToken) =>
        {
            var asJson = parseResult.GetValue(json);
            var connection = parseResult.GetValue(postgres);
            var storeName = parseResult.GetValue(store) ?? "sqlite";
            if (connection is not null && storeName != "postgres")
            {
                throw new UsageException("--postgres needs --store postgres");
            }

            var factor = parseResult.GetValue(scale);
            if (factor is <= 0 or > 100)
            {
                throw new UsageException($"--scale must be in (0, 100], got {factor.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            }

            var directory = parseResult.GetValue(dataDir);
            var progress = asJson ? context.Error : context.Output;
            var options = new JournalBenchOptions
            {
                Store = storeName,
                PostgresConnectionString = connection,
                DataDir = directory is null ? null : Path.GetFullPath(directory, context.WorkingDirectory),
                Scale = factor,
                Log = line => progress.WriteLine(line),
            };
            var result = await JournalBenchmarks.RunAsync(options, cancellationToken).ConfigureAwait(false);
            context.Output.WriteLine(asJson ? result.ToJson() : result.ToText());
            return ExitCodes.Ok;
        });
        return journal;
    }

    private static Option<bool> JsonOption() =>
        new("--json") { Description = "Print one JSON object (the documented numeric keys) instead of a table." };

    private static Command CreateMicro(CliContext context)
    {
        var passThrough = new Argument<string[]>("benchmarkdotnet-args")
        {
            Description = "Arguments for BenchmarkDotNet after '--', e.g. -- --filter '*Dot*' --job short. With none, lists the benchmarks.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var micro = new Command("micro", "BenchmarkDotNet micro-benchmarks of kernels and hot paths (build with -c Release).");
        micro.Add(passThrough);
        micro.SetAction(parseResult =>
        {
            var args = parseResult.GetValue(passThrough) ?? [];
            if (args.Length == 0)
            {
                context.Output.WriteLine("Benchmarks in ActorRec.Benchmarks (run some with: actorrec bench micro -- --filter '*Name*'):");
                args = ["--list", "flat"];
            }

            var assembly = Assembly.Load("ActorRec.Benchmarks");
            var summaries = BenchmarkSwitcher.FromAssembly(assembly).Run(args).ToList();
            if (summaries.Count == 0 && !IsInformational(args))
            {
                context.Error.WriteLine("actorrec: no benchmark matched; list them with: actorrec bench micro -- --list flat");
                return ExitCodes.Usage;
            }

            foreach (var summary in summaries)
            {
                if (summary.HasCriticalValidationErrors)
                {
                    return ExitCodes.Failure;
                }

                foreach (var report in summary.Reports)
                {
                    if (!report.Success)
                    {
                        return ExitCodes.Failure;
                    }
                }
            }

            return ExitCodes.Ok;
        });
        return micro;
    }
}
