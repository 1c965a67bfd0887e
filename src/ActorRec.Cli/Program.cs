namespace ActorRec.Cli;

internal static class Program
{
    public static Task<int> Main(string[] args) => CliApp.InvokeAsync(args, CliContext.FromProcess());
}
