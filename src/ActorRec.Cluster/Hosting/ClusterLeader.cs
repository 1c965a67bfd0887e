using ActorRec.Actors;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Singleton;
using Microsoft.Extensions.Logging;

namespace ActorRec.Cluster.Hosting;

/// <summary>
/// The built-in singleton every clustered node runs: it designates one live node as the cluster's leader, which
/// status pages report and other modules may consult (<see cref="IsLeader"/>) for cluster-wide chores that must
/// run once. Its fencing token is the leader's epoch.
/// </summary>
public sealed partial class ClusterLeader(ILogger logger) : IClusterSingleton
{
    /// <summary>Name of the singleton (and of its lease, "singleton/leader").</summary>
    public const string SingletonName = "leader";

    private long _epoch;

    /// <summary>True while this node is the leader.</summary>
    public bool IsLeader => Interlocked.Read(ref _epoch) > 0;

    /// <summary>The leader epoch (fencing token) while leader, else 0.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>A definition whose instances all report to one <see cref="ClusterLeader"/> (one per node).</summary>
    public ClusterSingletonDefinition Definition => new(SingletonName, () => this);

    /// <summary>
    /// Makes the leader reachable as an actor on <paramref name="system"/> (the node's remoting system): an actor at
    /// <c>/system/singleton-leader</c> answers <see cref="SingletonIdentify"/> with this node's name and its leader
    /// epoch (0 while it is not the leader); find the holder's with a <see cref="RemoteSingletonRefResolver"/>.
    /// </summary>
    public IActorRef AnswerOn(ActorSystem system, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        return SingletonIdentityActor.Start(system, SingletonName, nodeName, () => Epoch);
    }

    public Task StartAsync(SingletonContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Interlocked.Exchange(ref _epoch, context.FencingToken);
        LogLeader(context.NodeName, context.FencingToken);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        LogNoLongerLeader(Interlocked.Exchange(ref _epoch, 0));
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1570, Level = LogLevel.Information, Message = "{Node} is the cluster leader (epoch {Epoch})")]
    private partial void LogLeader(string node, long epoch);

    [LoggerMessage(EventId = 1571, Level = LogLevel.Information, Message = "No longer the cluster leader (epoch {Epoch} ended)")]
    private partial void LogNoLongerLeader(long epoch);
}
