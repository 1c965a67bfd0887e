using System.CommandLine;
using ActorRec.Cli.Commands;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Cli;

/// <summary>
/// The <c>actorrec</c> command tree. Parsing and error handling live here so every verb reports the same way:
/// usage and configuration errors print a message naming the problem and exit 2, runtime failures exit 1.
/// </summary>
public static class CliApp
{
    /// <summary>Builds the root command with every verb group.</summary>
    public static RootCommand CreateRoot(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = new RootCommand(
            "ActorRec: a real-time personalization engine for short-video feeds, built on an actor runtime.");
        root.Add(ServeCommand.Create(context));
        root.Add(ConfigCommands.Create(context));
        root.Add(BenchCommands.Create(context));
        root.Add(JournalCommands.Create(context));
        root.Add(SimulateCommand.Create(context));
        root.Add(ClusterCommands.Create(context));
        root.Add(ShardCommands.Create(context));
        root.Add(EvalCommand.Create(context));
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Action = new PrintVersionAction(context);
            }
        }

        root.SetAction(parseResult =>
        {
            WriteHelp(parseResult.RootCommandResult.Command, context.Output);
            return ExitCodes.Usage;
        });
        return root;
    }

    /// <summary>Parses and runs a command line; never throws for a user mistake.</summary>
    public static async Task<int> InvokeAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);

        var root = CreateRoot(context);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await context.Error.WriteLineAsync($"actorrec: {error.Message}").ConfigureAwait(false);
            }

            var verb = string.Join(' ', CommandPath(parseResult.CommandResult.Command));
            await context.Error.WriteLineAsync($"Run '{verb} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = context.Output,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
            // The host handles SIGTERM/SIGINT itself (graceful drain); the parser must not race it with a 2 s kill.
            ProcessTerminationTimeout = null,
        };

        try
        {
            return await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (SettingsException error)
        {
            await context.Error.WriteLineAsync($"actorrec: configuration error: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (HoconException error)
        {
            await context.Error.WriteLineAsync(error.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (UsageException error)
        {
            await context.Error.WriteLineAsync($"actorrec: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync("actorrec: cancelled").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception error)
        {
            await context.Error.WriteLineAsync($"actorrec: {error.GetType().Name}: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    /// <summary>Writes the help of <paramref name="command"/> (as <c>--help</c> would).</summary>
    public static void WriteHelp(Command command, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(command);
        var path = CommandPath(command);
        path.RemoveAt(0);
        path.Add("--help");
        var root = command;
        while (root.Parents.FirstOrDefault() is Command parent)
        {
            root = parent;
        }

        root.Parse(path).Invoke(new InvocationConfiguration { Output = writer, Error = writer });
    }

    private static List<string> CommandPath(Command command)
    {
        var path = new List<string>();
        for (Command? current = command; current is not null; current = current.Parents.FirstOrDefault() as Command)
        {
            path.Insert(0, current is RootCommand ? "actorrec" : current.Name);
        }

        return path;
    }
}

/// <summary>
/// <c>--version</c> prints the product version of this assembly (not of whichever process hosts the parser, which
/// in tests is the test host), with the commit it was built from when known.
/// </summary>
internal sealed class PrintVersionAction : System.CommandLine.Invocation.SynchronousCommandLineAction
{
    private readonly CliContext _context;

    public PrintVersionAction(CliContext context)
    {
        _context = context;
    }

    public override int Invoke(ParseResult parseResult)
    {
        var informational = typeof(CliApp).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>()
            .FirstOrDefault()?.InformationalVersion ?? "0.0.0";
        _context.Output.WriteLine(informational);
        return ExitCodes.Ok;
    }
}

/// <summary>A command-line mistake found after parsing (a file that does not exist, options that exclude each other).</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }
}
