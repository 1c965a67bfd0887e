using ActorRec.Hocon;

namespace ActorRec.Cli;

/// <summary>
/// What a verb may touch besides its arguments: the output writers and the environment. Tests run verbs in-process
/// with their own writers and hooks instead of the process's console.
/// </summary>
public sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        Output = output;
        Error = error;
        WorkingDirectory = workingDirectory;
        Environment = environment;
    }

    /// <summary>Standard output: results (JSON, tables) and, for <c>serve</c>, the log.</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error: diagnostics and error messages.</summary>
    public TextWriter Error { get; }

    /// <summary>Where relative paths (the default config, data dirs) start.</summary>
    public string WorkingDirectory { get; }

    /// <summary>Environment variables for HOCON <c>${?VAR}</c> substitutions.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>True when output is the real console, so sinks may use colours and terminal features.</summary>
    public bool IsConsole => ReferenceEquals(Output, Console.Out);

    /// <summary>Called by <c>serve</c> with the address it listens on, once the server is up.</summary>
    public Action<Uri>? OnListening { get; init; }

    /// <summary>The process's own context.</summary>
    public static CliContext FromProcess() =>
        new(Console.Out, Console.Error, Directory.GetCurrentDirectory(), ConfigFactory.ProcessEnvironment());
}
