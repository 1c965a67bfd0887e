using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Server;
using ActorRec.Server.Logging;

namespace ActorRec.Cli.Configuration;

/// <summary>
/// A node's configuration, loaded once: the user's file (when there is one) over every module's embedded
/// reference.conf, resolved against the environment, then read into the typed settings records.
/// </summary>
internal sealed record NodeConfig(Config Config, ServerSettings Server, LoggingSettings Logging)
{
    /// <summary>Loads and validates; a bad file throws <see cref="HoconException"/>, a bad value <see cref="SettingsException"/>.</summary>
    public static NodeConfig Load(string? file, CliContext context)
    {
        var config = ConfigLoader.Load(file, context.Environment, typeof(ActorRecHost).Assembly);
        return new NodeConfig(config, ServerSettings.Create(config), LoggingSettings.Create(config));
    }
}
