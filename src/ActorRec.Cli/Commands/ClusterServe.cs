using ActorRec.Cli.Configuration;
using ActorRec.Cluster;
using ActorRec.Cluster.Hosting;
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

    /// <summary>A host for <paramref name="settings"/> with the built-in singletons.</summary>
    public static ClusterHost CreateHost(ClusterSettings settings, ILoggerFactory loggers)
    {
        var leader = new ClusterLeader(loggers.CreateLogger<ClusterLeader>());
        return new ClusterHost(settings, new ClusterHostOptions
        {
            Singletons = [leader.Definition],
            Loggers = loggers,
        });
    }
}
