using ActorRec.Cluster.Transport;

namespace ActorRec.Cluster.FailureDetection;

/// <summary>
/// Sends a heartbeat frame to every target peer each heartbeat interval (on the injected clock). Targets are
/// replaced wholesale when membership changes; the loop reads them without locks.
/// </summary>
public sealed class HeartbeatSender : IAsyncDisposable
{
    private readonly ClusterTransport _transport;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private string[] _targets = [];
    private Task _loop = Task.CompletedTask;
    private ulong _sequence;

    public HeartbeatSender(ClusterTransport transport, TimeSpan interval, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _transport = transport;
        _interval = interval;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Addresses ("host:port") of the peers to heartbeat.</summary>
    public void SetTargets(IEnumerable<string> addresses) => Volatile.Write(ref _targets, [.. addresses]);

    public void Start() => _loop = Task.Run(LoopAsync);

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
    }

    private async Task LoopAsync()
    {
        var stop = _stopping.Token;
        while (!stop.IsCancellationRequested)
        {
            var sequence = ++_sequence;
            foreach (var address in Volatile.Read(ref _targets))
            {
                _transport.SendHeartbeat(address, sequence);
            }

            await Task.Delay(_interval, _time, stop).ConfigureAwait(false);
        }
    }
}
