using System.CommandLine;
using ActorRec.Hocon;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec config resolve FILE [--json]</c>: the contract other tools rely on. The fully resolved config goes to
/// stdout (HOCON, or JSON with <c>--json</c>) with exit 0; a file that does not parse or resolve prints
/// <c>FILE:LINE:COL: message</c> on stderr with exit 2. Environment variables fill <c>${?VAR}</c> substitutions.
/// </summary>
internal static class ConfigCommands
{
    public static Command Create(CliContext context)
    {
        var config = new Command("config", "Inspect configuration.");
        config.Add(CreateResolve(context));
        config.SetAction(parseResult =>
        {
            CliApp.WriteHelp(parseResult.CommandResult.Command, context.Output);
            return ExitCodes.Usage;
        });
        return config;
    }

    private static Command CreateResolve(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "The HOCON (or .json / .properties) file to resolve." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of HOCON." };
        var resolve = new Command("resolve", "Print the fully resolved config of FILE (includes and substitutions applied).");
        resolve.Add(file);
        resolve.Add(json);
        resolve.SetAction(parseResult =>
        {
            var path = parseResult.GetRequiredValue(file);
            var code = HoconCli.Resolve(Relative(path, context), parseResult.GetValue(json), context.Output, context.Error, context.Environment);
            return code == HoconCli.Ok ? ExitCodes.Ok : ExitCodes.Usage;
        });
        return resolve;
    }

    /// <summary>A relative FILE is taken from the working directory, but errors keep naming it as the user wrote it.</summary>
    private static string Relative(string path, CliContext context) =>
        Path.IsPathRooted(path) || context.WorkingDirectory == Directory.GetCurrentDirectory()
            ? path
            : Path.Combine(context.WorkingDirectory, path);
}
