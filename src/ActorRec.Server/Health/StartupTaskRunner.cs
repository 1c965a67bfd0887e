using System.Diagnostics;
using ActorRec.Server.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRec.Server.Health;

/// <summary>
/// Runs the registered <see cref="IStartupTask"/>s once the server is listening (so liveness answers during a long
/// start-up), then marks the node ready. A failing task marks it failed and stops the host. Stopping withdraws
/// readiness first, before the server stops accepting requests, so load balancers drain it.
/// </summary>
internal sealed class StartupTaskRunner : BackgroundService
{
    private readonly IEnumerable<IStartupTask> _tasks;
    private readonly ReadinessState _readiness;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<StartupTaskRunner> _logger;
    private readonly ServerSettings _settings;

    public StartupTaskRunner(
        IEnumerable<IStartupTask> tasks,
        ReadinessState readiness,
        IHostApplicationLifetime lifetime,
        ILogger<StartupTaskRunner> logger,
        ServerSettings settings)
    {
        _tasks = tasks;
        _readiness = readiness;
        _lifetime = lifetime;
        _logger = logger;
        _settings = settings;
        _lifetime.ApplicationStopping.Register(OnStopping);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var clock = Stopwatch.StartNew();
        var count = 0;
        foreach (var task in _tasks)
        {
            try
            {
                await task.RunAsync(stoppingToken).ConfigureAwait(false);
                count++;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                ServerLog.StartupTaskFailed(_logger, task.Name, error);
                _readiness.MarkFailed(error);
                _lifetime.StopApplication();
                return;
            }
        }

        if (_readiness.MarkReady())
        {
            ServerLog.Ready(_logger, count, clock.ElapsedMilliseconds);
        }
    }

    private void OnStopping()
    {
        _readiness.MarkStopping();
        ServerLog.ShuttingDown(_logger, _settings.ShutdownTimeout.TotalSeconds);
    }
}
