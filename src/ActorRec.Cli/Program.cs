namespace ActorRec.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("actorrec: commands are being wired up.");
        return args.Length == 0 ? 0 : 1;
    }
}
