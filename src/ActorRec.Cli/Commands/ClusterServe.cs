using ActorRec.Cli.Configuration;
using ActorRec.Cluster;
using ActorRec.Actors;
using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Server;
using Microsoft.Extensions.Logging;

namespace ActorRec.Cli.Commands;

/// <summary>
/// The cluster part of <c>actorrec serve</c> (issue 7's start contract): with <c>--cluster-postgres CONNSTR</c> the
/// node joins (or forms) the cluster whose membership table lives in that database, under its node name
/// (<c>--node-name</c>, else <c>actorrec.node-name</c>), on <c>--cluster-port</c> (else
/// <c>actorrec.cluster.port</c>), with the secret from <c>ACTORREC_CLUSTER_SECRET</c> (else
/// <c>actorrec.cluster.secret</c>). Every clustered node runs the <see cref="ClusterLeader"/> singleton.
/// </summary>
internal static class ClusterServe
{
    /// <summary>The node's cluster settings: the config's <c>actorrec.cluster</c> section with the options applied.</summary>
    public static ClusterSettings Settings(NodeConfig node, CliContext context, ServerSettings server, string connectionString, int? clusterPort)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(server);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new UsageException("--cluster-postgres needs a PostgreSQL connection string, e.g. 'Host=db;Username=actorrec;Password=...;Database=actorrec'");
        }

        if (clusterPort is < 0 or > 65535)
        {
            throw new UsageException($"--cluster-port must be between 0 and 65535, got {clusterPort}");
        }

        var configured = node.ReadCluster(context.Environment);
        try
        {
            return (configured with
            {
                NodeName = server.NodeName,
                Port = clusterPort ?? configured.Port,
                MembershipStore = MembershipStoreKind.Postgres,
                ConnectionString = connectionString,
            }).Validate();
        }
        catch (ClusterSettingsException error)
        {
            var problem = error.Message[(error.Message.IndexOf("': ", StringComparison.Ordinal) + 3)..].TrimEnd('.');
            throw new ActorRec.Hocon.Settings.SettingsException(error.Key, problem);
        }
    }

    /// <summary>
    /// A host for <paramref name="settings"/> with the built-in singletons, whose node's actors on
    /// <paramref name="system"/> (the feed engine's) are reachable from other nodes: a
    /// <see cref="RemoteActorRefProvider"/> over it is the node's registry, inbound sink and membership listener, and
    /// is attached to the transport before the node starts. The leader singleton answers
    /// <see cref="SingletonIdentify"/> at <c>/system/singleton-leader</c>.
    /// </summary>
    public static ClusterHost CreateHost(ClusterSettings settings, ActorSystem system, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(loggers);
        var remote = new RemoteActorRefProvider(system, new MessageSerializerRegistryBuilder().AddRemoting().Build(), loggers);
        var leader = new ClusterLeader(loggers.CreateLogger<ClusterLeader>());
        leader.AnswerOn(system, settings.NodeName);
        return new ClusterHost(settings, new ClusterHostOptions
        {
            Singletons = [leader.Definition],
            Remote = remote,
            Loggers = loggers,
        });
    }
}
