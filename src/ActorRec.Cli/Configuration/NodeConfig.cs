using System.Reflection;
using ActorRec.Actors;
using ActorRec.Cluster;
using ActorRec.Compute;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Persistence;
using ActorRec.Recommender.Domain;
using ActorRec.Server;
using ActorRec.Server.Admin;
using ActorRec.Server.Logging;

namespace ActorRec.Cli.Configuration;

/// <summary>
/// A node's configuration, loaded once: the user's file (when there is one) over every module's embedded
/// reference.conf, resolved against the environment, then read into the typed settings records.
/// </summary>
internal sealed record NodeConfig(
    Config Config,
    ServerSettings Server,
    LoggingSettings Logging,
    ActorSystemSettings Actors,
    PersistenceSettings Persistence,
    ComputeSettings Compute,
    FeedSettings Feed,
    ActorRec.Recommender.Entities.EntitySettings Entities,
    AdminSettings Admin)
{
    /// <summary>The modules whose embedded reference.conf sits under the user's file (earlier ones win on overlap).</summary>
    public static IReadOnlyList<Assembly> ReferenceAssemblies { get; } =
    [
        typeof(ActorRecHost).Assembly,
        typeof(ActorSystemSettings).Assembly,
        typeof(PersistenceSettings).Assembly,
        typeof(ComputeSettings).Assembly,
        typeof(FeedSettings).Assembly,
        typeof(ClusterSettings).Assembly,
    ];

    /// <summary>Loads and validates; a bad file throws <see cref="HoconException"/>, a bad value <see cref="SettingsException"/>.</summary>
    public static NodeConfig Load(string? file, CliContext context)
    {
        var config = ConfigLoader.Load(file, context.Environment, [.. ReferenceAssemblies]);
        // Every module's settings are read here, once: a bad key anywhere stops start-up with its path.
        return new NodeConfig(
            config,
            ServerSettings.Create(config),
            LoggingSettings.Create(config),
            ActorSystemSettingsReader.Read(config),
            PersistenceSettingsReader.Read(config),
            ComputeSettingsReader.Read(config),
            FeedSettingsReader.Read(config),
            FeedSettingsReader.ReadEntities(config),
            AdminSettings.Create(config));
    }

    /// <summary>
    /// The cluster settings, read only when the node joins a cluster (they require the cluster secret).
    /// <paramref name="environment"/> supplies <c>ACTORREC_CLUSTER_SECRET</c>.
    /// </summary>
    public ClusterSettings ReadCluster(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return ClusterSettingsReader.Read(Config, name => environment.TryGetValue(name, out var value) ? value : null);
    }
}
