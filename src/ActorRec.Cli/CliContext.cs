using ActorRec.Hocon;
using ActorRec.Persistence.Serialization;
using ActorRec.Persistence.Tooling;

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

    /// <summary>
    /// The domain's event schemas and entity replayers for <c>actorrec journal</c> (decoding <c>show</c>/<c>export</c>,
    /// rebuilding state in <c>replay</c>). Domain modules register theirs here; tests register their own.
    /// </summary>
    public Func<JournalDomain> JournalDomain { get; init; } = static () => new JournalDomain(
        ActorRec.Recommender.Entities.EntitySerializers.CreateRegistry(),
        ActorRec.Recommender.Entities.EntityReplay.Register(new(), ActorRec.Recommender.Domain.FeedSettings.Default));

    /// <summary>The process's own context.</summary>
    public static CliContext FromProcess() =>
        new(Console.Out, Console.Error, Directory.GetCurrentDirectory(), ConfigFactory.ProcessEnvironment());
}

/// <summary>
/// What the journal tooling needs to know about the domain: event serializers, entity replayers, and the feed
/// settings <c>replay --feed</c> runs the pipeline with (null: the defaults).
/// </summary>
public sealed record JournalDomain(EventSerializerRegistry Serializers, EntityReplayRegistry Replayers, ActorRec.Recommender.Domain.FeedSettings? Feed = null);
