using System.CommandLine;
using System.Reflection;
using ActorRec.Benchmarks.Compute;
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
        bench.Add(CreateCompute(context));
        bench.Add(CreateMicro(context));
        bench.SetAction(parseResult =>
        {
            CliApp.WriteHelp(parseResult.CommandResult.Command, context.Output);
            return ExitCodes.Usage;
        });
        return bench;
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
