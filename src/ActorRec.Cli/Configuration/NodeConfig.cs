using System.Reflection;
using ActorRec.Actors;
using ActorRec.Compute;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Persistence;
using ActorRec.Server;
using ActorRec.Server.Logging;

namespace ActorRec.Cli.Configuration;

/// <summary>
/// A node's configuration, loaded once: the user's file (when there is one) over every module's embedded
/// reference.conf, resolved against the environment, then read into the typed settings records.
/// </summary>
internal sealed record NodeConfig(Config Config, ServerSettings Server, LoggingSettings Logging)
{
    /// <summary>The modules whose embedded reference.conf sits under the user's file (earlier ones win on overlap).</summary>
    public static IReadOnlyList<Assembly> ReferenceAssemblies { get; } =
    [
        typeof(ActorRecHost).Assembly,
        typeof(ActorSystemSettings).Assembly,
        typeof(PersistenceSettings).Assembly,
        typeof(ComputeSettings).Assembly,
    ];

    /// <summary>Loads and validates; a bad file throws <see cref="HoconException"/>, a bad value <see cref="SettingsException"/>.</summary>
    public static NodeConfig Load(string? file, CliContext context)
    {
        var config = ConfigLoader.Load(file, context.Environment, [.. ReferenceAssemblies]);
        return new NodeConfig(config, ServerSettings.Create(config), LoggingSettings.Create(config));
    }
}
