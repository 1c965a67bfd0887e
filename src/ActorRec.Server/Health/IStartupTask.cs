namespace ActorRec.Server.Health;

/// <summary>
/// Work that must finish before the node reports ready (journal recovery, loading a catalog, joining a cluster).
/// Register implementations as singletons; they run once, in registration order, after the server is listening.
/// </summary>
public interface IStartupTask
{
    /// <summary>A short name for logs.</summary>
    string Name { get; }

    Task RunAsync(CancellationToken cancellationToken);
}
