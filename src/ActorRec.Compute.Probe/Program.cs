using ActorRec.Benchmarks.Compute;
using ActorRec.Compute.Cuda;

namespace ActorRec.Compute.Probe;

/// <summary>
/// <c>actorrec-compute-probe devices | check [--backend cpu|cuda] | bench [--backend cpu|cuda] [--json] [--quick]</c>.
/// Exit code 0 when everything asked for passed.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var verb = args.Length == 0 ? "help" : args[0];
        var rest = args.Length == 0 ? [] : args[1..];
        switch (verb)
        {
            case "devices":
                return Devices();
            case "check":
                return ContractChecks.Run(rest, Console.Out);
            case "bench":
                return ComputeBenchmarks.Execute(rest, Console.Out);
            default:
                Console.WriteLine("usage: actorrec-compute-probe devices | check [--backend cpu|cuda] | bench [--backend cpu|cuda] [--json] [--quick]");
                return verb == "help" ? 0 : 2;
        }
    }

    private static int Devices()
    {
        var availability = CudaDiscovery.Probe(0);
        Console.WriteLine($"CUDA available: {availability.Available} ({availability.Reason})");
        if (availability.DriverVersion > 0)
        {
            Console.WriteLine($"driver version: {availability.DriverVersion}");
        }

        foreach (var device in availability.Devices)
        {
            Console.WriteLine($"  {device}");
        }

        Console.WriteLine(Nvrtc.TryLoad(out var nvrtc, out var reason) ? $"NVRTC: {nvrtc!.LibraryName} {nvrtc.Version()}" : $"NVRTC: {reason}");
        Console.WriteLine($"CPU SIMD: {Cpu.CpuScoringBackend.BestLevel()}, {Environment.ProcessorCount} logical cores");
        return 0;
    }
}
