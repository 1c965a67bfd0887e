using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Membership;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Cluster.Singleton;

/// <summary>
/// Runs one cluster singleton on this node while, and only while, this node holds the singleton's lease.
/// </summary>
/// <remarks>
/// <para>Every tick (a third of the lease duration) a non-holder that is Up tries to take the lease; the store
/// grants it only when it is free, released or expired, and with a fencing token one higher than the last holder's.
/// A holder renews. The instance is started after the lease is won and stopped:</para>
/// <list type="bullet">
/// <item>at once when a renewal reports the lease lost;</item>
/// <item>when renewals fail (store unreachable) and the next tick would come after the lease expires, so the
/// instance is down before any other node can take the lease;</item>
/// <item>on a graceful leave (<see cref="IBeforeLeaveHook"/>): stopped, then the lease released, so the next node
/// takes over at its next tick instead of waiting for expiry;</item>
/// <item>on shutdown or when this node is declared down.</item>
/// </list>
/// <para>Why it never runs twice: a new holder can only win an expired or released lease; a released lease was
/// released after the instance stopped; an expired one belonged to a holder that stopped its instance a tick before
/// the expiry (or died). This relies on the ticks running on time and on node clocks agreeing to well within a
/// tick; where that cannot be trusted, resources check the fencing token. Each tenure is recorded in the
/// <see cref="ISingletonRunLog"/> so that the property can be checked afterwards.</para>
/// </remarks>
public sealed partial class ClusterSingletonManager : IBeforeLeaveHook, IAsyncDisposable
{
    private readonly ClusterSingletonDefinition _definition;
    private readonly ILeaseStore _leases;
    private readonly ISingletonRunLog _runs;
    private readonly string _holder;
    private readonly string _nodeName;
    private readonly Func<bool> _canHost;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private IClusterSingleton? _instance;
    private Lease? _lease;
    private bool _closed;

    /// <param name="definition">The singleton.</param>
    /// <param name="leases">Where its lease lives (shared by all nodes).</param>
    /// <param name="runs">Where tenures are recorded.</param>
    /// <param name="holder">This node's member key ("name#incarnation"): a restarted node is a new holder.</param>
    /// <param name="nodeName">This node's name (for the instance's context and the run log).</param>
    /// <param name="canHost">True while this node may take the lease (it is Up).</param>
    /// <param name="leaseDuration">Lease time-to-live; ticks run every third of it.</param>
    /// <param name="time">Clock.</param>
    /// <param name="logger">Logger.</param>
    public ClusterSingletonManager(
        ClusterSingletonDefinition definition,
        ILeaseStore leases,
        ISingletonRunLog runs,
        string holder,
        string nodeName,
        Func<bool> canHost,
        TimeSpan leaseDuration,
        TimeProvider? time = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        ArgumentNullException.ThrowIfNull(canHost);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        _definition = definition;
        _leases = leases;
        _runs = runs;
        _holder = holder;
        _nodeName = nodeName;
        _canHost = canHost;
        _duration = leaseDuration;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        TickInterval = leaseDuration / 3;
    }

    public string Name => _definition.Name;

    /// <summary>How often the lease is acquired or renewed.</summary>
    public TimeSpan TickInterval { get; }

    /// <summary>True while the instance runs on this node.</summary>
    public bool IsRunning => Volatile.Read(ref _instance) is not null;

    /// <summary>The lease this node holds, or null.</summary>
    public Lease? Lease => Volatile.Read(ref _lease);

    /// <summary>Starts the tick loop.</summary>
    public void Start() => _loop = Task.Run(LoopAsync, CancellationToken.None);

    /// <summary>One acquire-or-renew step (the loop calls it; tests call it directly on virtual time).</summary>
    public async Task TickAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                return;
            }

            if (_lease is null)
            {
                await TryTakeOverAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RenewAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Graceful leave: stop the instance and release the lease so another node takes over at once.</summary>
    public Task BeforeLeaveAsync(MembershipSnapshot membership, CancellationToken cancellationToken) => CloseAsync(release: true, "this node leaves the cluster");

    /// <summary>Stops the instance for good (release the lease when <paramref name="release"/>); no more ticks.</summary>
    public async Task CloseAsync(bool release, string reason)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _closed = true;
            if (_lease is { } lease)
            {
                await StopInstanceAsync(lease, reason).ConfigureAwait(false);
                if (release)
                {
                    try
                    {
                        await _leases.ReleaseAsync(lease).ConfigureAwait(false);
                        LogReleased(Name, lease.Token);
                    }
                    catch (Exception error) when (error is not OperationCanceledException)
                    {
                        LogStoreError(error, Name);
                    }
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await CloseAsync(release: true, "the node is shutting down").ConfigureAwait(false);
    }

    private async Task TryTakeOverAsync(CancellationToken cancellationToken)
    {
        if (!_canHost())
        {
            return;
        }

        var attempt = await _leases.TryAcquireAsync(_definition.LeaseName, _holder, _duration, cancellationToken).ConfigureAwait(false);
        if (attempt.Lease is not { } lease)
        {
            return;
        }

        Volatile.Write(ref _lease, lease);
        await RecordAsync(() => _runs.StartedAsync(new SingletonRun(Name, lease.Token, _nodeName, _time.GetUtcNow(), lease.ExpiresAt, null))).ConfigureAwait(false);
        var instance = _definition.Create();
        try
        {
            await instance.StartAsync(new SingletonContext(Name, _nodeName, lease.Token), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // Give the lease back so that another node can try; this node tries again at a later tick.
            LogStartFailed(error, Name, lease.Token);
            await RecordAsync(() => _runs.StoppedAsync(Name, lease.Token, _time.GetUtcNow())).ConfigureAwait(false);
            Volatile.Write(ref _lease, null);
            await _leases.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
            return;
        }

        Volatile.Write(ref _instance, instance);
        LogStarted(Name, _nodeName, lease.Token);
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var lease = _lease!;
        Lease? renewed;
        try
        {
            renewed = await _leases.TryRenewAsync(lease, _duration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogStoreError(error, Name);
            if (_time.GetUtcNow() + TickInterval >= lease.ExpiresAt)
            {
                // The next tick would come after the expiry: another node may win the lease by then.
                await StopInstanceAsync(lease, "the lease could not be renewed before it expires").ConfigureAwait(false);
            }

            return;
        }

        if (renewed is null)
        {
            await StopInstanceAsync(lease, "the lease was lost").ConfigureAwait(false);
            return;
        }

        Volatile.Write(ref _lease, renewed);
        await RecordAsync(() => _runs.RenewedAsync(Name, renewed.Token, renewed.ExpiresAt)).ConfigureAwait(false);
    }

    private async Task StopInstanceAsync(Lease lease, string reason)
    {
        var instance = Interlocked.Exchange(ref _instance, null);
        Volatile.Write(ref _lease, null);
        if (instance is not null)
        {
            try
            {
                await instance.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogStopFailed(error, Name);
            }

            LogStopped(Name, lease.Token, reason);
        }

        await RecordAsync(() => _runs.StoppedAsync(Name, lease.Token, _time.GetUtcNow())).ConfigureAwait(false);
    }

    private async Task RecordAsync(Func<Task> write)
    {
        try
        {
            await write().ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogStoreError(error, Name);
        }
    }

    private async Task LoopAsync()
    {
        var stop = _stopping.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogStoreError(error, Name);
            }

            try
            {
                await Task.Delay(TickInterval, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Singleton {Singleton} started on {Node} (fencing token {Token})")]
    private partial void LogStarted(string singleton, string node, long token);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Singleton {Singleton} (token {Token}) stopped: {Reason}")]
    private partial void LogStopped(string singleton, long token, string reason);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Information, Message = "Singleton {Singleton}: lease (token {Token}) released")]
    private partial void LogReleased(string singleton, long token);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "Singleton {Singleton}: lease store error")]
    private partial void LogStoreError(Exception error, string singleton);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Error, Message = "Singleton {Singleton} failed to start (token {Token}); lease released")]
    private partial void LogStartFailed(Exception error, string singleton, long token);

    [LoggerMessage(EventId = 1505, Level = LogLevel.Error, Message = "Singleton {Singleton} failed while stopping")]
    private partial void LogStopFailed(Exception error, string singleton);
}
