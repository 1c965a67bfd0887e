using ActorRec.Cluster.Hosting;
using ActorRec.Server.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRec.Server.Admin;

/// <summary>
/// Puts a <see cref="ClusterHost"/> into the node's ASP.NET Core host: joining the cluster is a start-up task
/// (the node is not ready before it is a member); stopping the host (SIGTERM, Ctrl+C) is a graceful leave
/// (leaving, hand-off hooks, exiting, removed) within the shutdown timeout; and when the membership ends on its
/// own (an operator's leave completed, or the node was declared down) the host is stopped.
/// </summary>
public static class ClusterServices
{
    /// <summary>Registers the host; call it before other modules' start-up tasks so the node joins first.</summary>
    public static IServiceCollection AddClusterHost(this IServiceCollection services, ClusterHost host)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(host);
        services.AddSingleton(host);
        services.AddSingleton<IStartupTask>(new ClusterJoinTask(host));
        services.AddHostedService(sp => new ClusterLifecycle(host, sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<ClusterLifecycle>>()));
        return services;
    }

    private sealed class ClusterJoinTask(ClusterHost host) : IStartupTask
    {
        public string Name => "cluster-join";

        public Task RunAsync(CancellationToken cancellationToken) => host.StartAsync(cancellationToken);
    }
}

/// <summary>Leave on stop, stop on exit (see <see cref="ClusterServices"/>).</summary>
internal sealed partial class ClusterLifecycle(ClusterHost host, IHostApplicationLifetime lifetime, ILogger<ClusterLifecycle> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = host.Exited.ContinueWith(
            exited =>
            {
                LogMembershipEnded(exited.Result.Kind.ToString(), exited.Result.Reason);
                lifetime.StopApplication();
            },
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (host.IsStarted && !host.Exited.IsCompleted)
        {
            LogLeaving(host.Settings.NodeName);
            try
            {
                await host.LeaveAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogLeaveTimedOut(host.Settings.NodeName);
            }
        }

        await host.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1160, Level = LogLevel.Information, Message = "Stopping: {Node} leaves the cluster gracefully")]
    private partial void LogLeaving(string node);

    [LoggerMessage(EventId = 1161, Level = LogLevel.Warning, Message = "The graceful leave of {Node} did not finish within the shutdown timeout; stopping anyway (peers will mark it down)")]
    private partial void LogLeaveTimedOut(string node);

    [LoggerMessage(EventId = 1162, Level = LogLevel.Information, Message = "Cluster membership ended ({Kind}: {Reason}); stopping the node")]
    private partial void LogMembershipEnded(string kind, string reason);
}
