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
        try
        {
            switch (verb)
            {
                case "devices":
                    return Devices();
                case "compile":
                    return Compile();
                case "check":
                    return ContractChecks.Run(rest, Console.Out);
                case "bench":
                    return ComputeBenchmarks.Execute(rest, Console.Out);
                default:
                    Console.WriteLine("usage: actorrec-compute-probe devices | compile | check [--backend cpu|cuda] | bench [--backend cpu|cuda] [--json] [--quick] [--cpu-time]");
                    return verb == "help" ? 0 : 2;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or CudaException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 3;
        }
    }

    /// <summary>Compiles the embedded kernel source with NVRTC for the device (or sm_70/80/90 without one).</summary>
    private static int Compile()
    {
        if (!Nvrtc.TryLoad(out var nvrtc, out var reason))
        {
            Console.Error.WriteLine($"error: NVRTC unavailable: {reason}");
            return 3;
        }

        var availability = CudaDiscovery.Probe(0);
        int[] targets = availability.Devices.Count > 0 ? [availability.Devices[0].Architecture] : [70, 80, 90];
        foreach (var target in targets)
        {
            var arch = nvrtc!.BestArchitecture(target);
            var ptx = nvrtc.CompileToPtx(KernelSource.Scoring(), "scoring.cu", arch);
            Console.WriteLine($"scoring.cu -> compute_{arch} PTX, {ptx.Length} bytes ({nvrtc.LibraryName} {nvrtc.Version()})");
        }

        return 0;
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
