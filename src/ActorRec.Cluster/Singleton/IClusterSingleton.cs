namespace ActorRec.Cluster.Singleton;

/// <summary>
/// Something that must run on exactly one node of the cluster at a time (the shard coordinator, the leader, a
/// trend aggregator). <see cref="ClusterSingletonManager"/> starts it on the node that holds its lease and stops it
/// when that node loses the lease, leaves, or is shut down.
/// </summary>
public interface IClusterSingleton
{
    /// <summary>
    /// Starts the instance. <see cref="SingletonContext.FencingToken"/> grows with every new holder: pass it along with
    /// writes to shared resources so that they can reject a stale holder.
    /// </summary>
    Task StartAsync(SingletonContext context, CancellationToken cancellationToken);

    /// <summary>Stops the instance; called once after a successful start, before the lease is released.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>What a started singleton instance knows about its tenure.</summary>
public sealed record SingletonContext(string Name, string NodeName, long FencingToken);

/// <summary>A singleton by name, and how to make a fresh instance of it on the node that wins its lease.</summary>
public sealed record ClusterSingletonDefinition
{
    public ClusterSingletonDefinition(string name, Func<IClusterSingleton> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        Name = name;
        Create = create;
    }

    public string Name { get; }

    public Func<IClusterSingleton> Create { get; }

    /// <summary>Name of the lease row that guards the singleton.</summary>
    public string LeaseName => LeaseNameOf(Name);

    /// <summary>Name of the lease row that guards the singleton called <paramref name="name"/>.</summary>
    public static string LeaseNameOf(string name) => "singleton/" + name;
}
