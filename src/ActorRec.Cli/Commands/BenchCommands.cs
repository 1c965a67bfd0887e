using System.CommandLine;
using System.Reflection;
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
        bench.Add(CreateMicro(context));
        bench.SetAction(parseResult =>
        {
            CliApp.WriteHelp(parseResult.CommandResult.Command, context.Output);
            return ExitCodes.Usage;
        });
        return bench;
    }

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
