using ActorRec.Cli.Configuration;
using ActorRec.Cluster;
using ActorRec.Actors;
using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Sharding;
using ActorRec.Persistence;
using ActorRec.Server;
using ActorRec.Server.Admin;
using ActorRec.Server.Api;
using ActorRec.Server.Sharding;
using Microsoft.Extensions.Logging;

namespace ActorRec.Cli.Commands;

/// <summary>
/// The cluster part of <c>actorrec serve</c> (issue 7's start contract): with <c>--cluster-postgres CONNSTR</c> the
/// node joins (or forms) the cluster whose membership table lives in that database, under its node name
/// (<c>--node-name</c>, else <c>actorrec.node-name</c>), on <c>--cluster-port</c> (else
/// <c>actorrec.cluster.port</c>), with the secret from <c>ACTORREC_CLUSTER_SECRET</c> (else
/// <c>actorrec.cluster.secret</c>). Every clustered node runs the <see cref="ClusterLeader"/> singleton and serves its
/// users and videos as sharded entities (<see cref="CreateNode"/>).
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
    /// The sharded feed node for <paramref name="settings"/> on <paramref name="system"/>: users and videos are sharded
    /// entities (the allocation in the cluster's PostgreSQL), the journal is the cluster's shared PostgreSQL journal
    /// (the config's own PostgreSQL journal when it names one, else the cluster's database), every node keeps read
    /// copies of all videos, and the <see cref="ClusterLeader"/> singleton answers <c>SingletonIdentify</c> at
    /// <c>/system/singleton-leader</c>.
    /// </summary>
    public static ClusterFeedNode CreateNode(ClusterSettings settings, NodeConfig node, FeedNodeOptions feed, ActorSystem system, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(loggers);
        var leader = new ClusterLeader(loggers.CreateLogger<ClusterLeader>());
        leader.AnswerOn(system, settings.NodeName);
        return new ClusterFeedNode(system, settings, ShardingSettings.Read(node.Config), SharedJournal(feed, settings), loggers, extraSingletons: [leader.Definition],
            routing: RoutingSettings.Create(node.Config), admin: ShardAdminOptions.Create(node.Config));
    }

    /// <summary>Entities move between nodes, so their journal must be shared: PostgreSQL, by default the cluster's database.</summary>
    public static FeedNodeOptions SharedJournal(FeedNodeOptions feed, ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(settings);
        return feed.Persistence.Plugin == PersistencePlugin.Postgres
            ? feed
            : feed with { Persistence = feed.Persistence with { Plugin = PersistencePlugin.Postgres, ConnectionString = settings.ConnectionString } };
    }
}
