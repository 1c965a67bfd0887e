using ActorRec.Persistence.Tests.Crash;

namespace ActorRec.Persistence.Tests;

/// <summary>Entry point used only when the crash test starts this assembly as a child process.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == CrashChild.Mode)
        {
            return CrashChild.RunAsync(args[1]).GetAwaiter().GetResult();
        }

        Console.Error.WriteLine($"usage: dotnet ActorRec.Persistence.Tests.dll {CrashChild.Mode} DATA_DIR (tests run with dotnet test)");
        return 64;
    }
}
