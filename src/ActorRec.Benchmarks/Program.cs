using BenchmarkDotNet.Running;

namespace ActorRec.Benchmarks;

/// <summary>Runs the BenchmarkDotNet suites in this assembly; pass BenchmarkDotNet's own arguments (e.g. --filter '*Dot*').</summary>
internal static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
