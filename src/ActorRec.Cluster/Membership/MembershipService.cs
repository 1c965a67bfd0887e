using System.Data.Common;
using System.Threading.Channels;
using ActorRec.Cluster.FailureDetection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Cluster.Membership;

/// <summary>
/// Drives membership for the local node: joins, then every poll interval (or at once when a peer gossips a newer
/// table version) writes its table heartbeat, reads the table, applies <see cref="MembershipRules"/> and performs the
/// first requested write; on success or conflict it re-reads and decides again (bounded per round).
/// </summary>
/// <remarks>
/// A node that reads itself Down (or superseded, or missing) stops the loop before doing anything else and calls
/// <see cref="IMembershipListener.OnSelfDownAsync"/>: it never writes again. Store errors are logged and retried at
/// the next poll; if the store stays unreachable long enough, peers declare this node down by its stale heartbeat
/// and it will find out when it can read again.
/// </remarks>
public sealed partial class MembershipService : IAsyncDisposable
{
    private const int MaxWritesPerRound = 16;

    private readonly ClusterSettings _settings;
    private readonly IMembershipTable _table;
    private readonly IFailureDetectorView _detector;
    private readonly IReadOnlyList<IBeforeLeaveHook> _hooks;
    private readonly IMembershipListener _listener;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MembershipRulesOptions _rules;
    private readonly MemberProof _proof;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _roundLock = new(1, 1);
    private readonly TaskCompletionSource _left = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private MembershipSnapshot _current = MembershipSnapshot.Empty;
    private volatile LocalLeave _leave = LocalLeave.None;
    private Task? _hooksTask;
    private Task _loop = Task.CompletedTask;
    private volatile bool _finished;

    public MembershipService(
        ClusterSettings settings,
        IMembershipTable table,
        long incarnation,
        string address,
        IFailureDetectorView detector,
        IMembershipListener listener,
        IEnumerable<IBeforeLeaveHook>? hooks = null,
        TimeProvider? time = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentException.ThrowIfNullOrEmpty(address);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(listener);
        _settings = settings;
        _table = table;
        Incarnation = incarnation;
        Address = address;
        _detector = detector;
        _listener = listener;
        _hooks = hooks?.ToArray() ?? [];
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _rules = MembershipRulesOptions.From(settings);
        _proof = new MemberProof(settings.ClusterName, settings.Secret);
    }

    public string NodeName => _settings.NodeName;

    public long Incarnation { get; }

    public string Address { get; }

    /// <summary>The table as last read.</summary>
    public MembershipSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Completes when this node has left (Removed) or was declared down; cancelled when disposed first.</summary>
    public Task WhenFinished => _left.Task;

    /// <summary>True once a graceful leave completed (this node is Removed).</summary>
    public bool HasLeft { get; private set; }

    /// <summary>True once this node was declared down or has left; the loop has stopped.</summary>
    public bool IsFinished => _finished;

    /// <summary>Inserts this node as Joining (retrying on conflicts), promotes it to Up and starts the poll loop.</summary>
    public async Task JoinAsync(CancellationToken cancellationToken = default)
    {
        await _table.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var row = new MemberRow(NodeName, Incarnation, Address, MemberStatus.Joining, now, [], [.. _settings.Roles], now,
            Proof: _proof.Compute(NodeName, Incarnation, Address));
        for (var attempt = 0; ; attempt++)
        {
            var table = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            if (table.Find(NodeName, Incarnation) is not null)
            {
                break;
            }

            if (await _table.TryInsertAsync(row, table.Version, cancellationToken).ConfigureAwait(false) == WriteOutcome.Applied)
            {
                LogJoined(NodeName, Incarnation, Address);
                _listener.OnLocalWrite(table.Version + 1);
                break;
            }

            if (attempt > 100)
            {
                throw new InvalidOperationException($"Could not join cluster '{_table.ClusterName}': the membership table kept changing (100 conflicts).");
            }
        }

        await RunRoundAsync(cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <summary>Starts a graceful leave; completes when this node is Removed (or was declared down meanwhile).</summary>
    public Task LeaveAsync()
    {
        if (_leave == LocalLeave.None)
        {
            _leave = LocalLeave.Requested;
            LogLeaving(NodeName);
        }

        Wake();
        return _left.Task;
    }

    /// <summary>
    /// Operator leave of any member (<c>actorrec cluster leave NODE</c> on any node): this node leaves itself, or
    /// writes the live member named <paramref name="nodeName"/> as Leaving; that member reads its own row, runs its
    /// before-leave hooks and completes the leave (Exiting, then Removed) as if it had been asked locally.
    /// </summary>
    public async Task<LeaveRequestOutcome> RequestLeaveAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        if (string.Equals(nodeName, NodeName, StringComparison.Ordinal))
        {
            _ = LeaveAsync();
            return LeaveRequestOutcome.Started;
        }

        for (var attempt = 0; attempt < MaxWritesPerRound; attempt++)
        {
            var table = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            MemberRow? target = null;
            foreach (var m in table.Members)
            {
                if (m.IsLive && string.Equals(m.NodeName, nodeName, StringComparison.Ordinal) && (target is null || m.Incarnation > target.Incarnation))
                {
                    target = m;
                }
            }

            if (target is null)
            {
                return LeaveRequestOutcome.NotFound;
            }

            if (target.Status is not (MemberStatus.Up or MemberStatus.Joining))
            {
                return LeaveRequestOutcome.AlreadyLeaving;
            }

            if (await _table.TryUpdateAsync(new MarkLeaving(target).Apply(), table.Version, cancellationToken).ConfigureAwait(false) == WriteOutcome.Applied)
            {
                LogLeaveRequested(target.MemberKey);
                _listener.OnLocalWrite(table.Version + 1);
                return LeaveRequestOutcome.Started;
            }
        }

        throw new InvalidOperationException($"Could not mark '{nodeName}' as leaving: the membership table kept changing.");
    }

    /// <summary>A peer gossiped its table version: poll now if it is newer than ours.</summary>
    public void OnGossip(long tableVersion)
    {
        if (tableVersion > Current.Version)
        {
            Wake();
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

        _left.TrySetCanceled();
    }

    /// <summary>One poll round (the loop calls it; tests call it directly to step on virtual time).</summary>
    internal async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return;
        }

        await _roundLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RoundAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            LogStoreError(ex);
        }
        finally
        {
            _roundLock.Release();
        }
    }

    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        var table = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        for (var writes = 0; writes < MaxWritesPerRound; writes++)
        {
            Publish(table);
            if (_leave == LocalLeave.None && table.Find(NodeName, Incarnation)?.Status == MemberStatus.Leaving)
            {
                // An operator asked another member to write us Leaving: carry the leave out as if asked here.
                _leave = LocalLeave.Requested;
                LogLeaving(NodeName);
            }

            var decision = MembershipRules.Decide(table, NodeName, Incarnation, _detector, _time.GetUtcNow(), _rules, _leave, _proof);
            if (decision.Self != SelfVerdict.Alive)
            {
                await FinishAsync(decision).ConfigureAwait(false);
                return;
            }

            if (writes == 0)
            {
                // Heartbeat only while we are alive by the table's account (a downed node never writes again).
                await _table.UpdateHeartbeatAsync(NodeName, Incarnation, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }

            StartHooksIfLeaving(table);
            if (decision.Actions.IsEmpty)
            {
                await DeleteOldDeadRowsAsync(table, cancellationToken).ConfigureAwait(false);
                return;
            }

            var action = decision.Actions[0];
            var outcome = await _table.TryUpdateAsync(action.Apply(), table.Version, cancellationToken).ConfigureAwait(false);
            if (outcome == WriteOutcome.Applied)
            {
                LogApplied(action.GetType().Name, action.Target.MemberKey, action is DeclareDown d ? d.Reason.ToString() : "");
                _listener.OnLocalWrite(table.Version + 1);
                if (action is MarkExiting)
                {
                    // Removed comes at the next poll, so peers get a chance to read Exiting first.
                    Publish(await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false));
                    return;
                }
            }
            else
            {
                LogConflict(action.GetType().Name, action.Target.MemberKey, table.Version);
            }

            table = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeleteOldDeadRowsAsync(MembershipSnapshot table, CancellationToken cancellationToken)
    {
        var cutoff = _time.GetUtcNow() - _settings.DeadRowRetention;
        foreach (var m in table.Members)
        {
            if (!m.IsLive && m.LastHeartbeat < cutoff)
            {
                if (await _table.DeleteDeadAsync(cutoff, table.Version, cancellationToken).ConfigureAwait(false) is > 0)
                {
                    _listener.OnLocalWrite(table.Version + 1);
                }

                return;
            }
        }
    }

    private void StartHooksIfLeaving(MembershipSnapshot table)
    {
        if (_leave != LocalLeave.Requested || _hooksTask is not null || table.Find(NodeName, Incarnation)?.Status != MemberStatus.Leaving)
        {
            return;
        }

        _hooksTask = Task.Run(async () =>
        {
            foreach (var hook in _hooks)
            {
                try
                {
                    await hook.BeforeLeaveAsync(table, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogHookFailed(ex, hook.GetType().Name);
                }
            }

            _leave = LocalLeave.HandoffDone;
            Wake();
        });
    }

    private async Task FinishAsync(MembershipDecision decision)
    {
        _finished = true;
        if (decision.Self == SelfVerdict.Removed)
        {
            HasLeft = true;
            LogLeft(NodeName);
            _left.TrySetResult();
            return;
        }

        LogSelfDown(NodeName, Incarnation, decision.Reason ?? "");
        _left.TrySetResult();
        await _listener.OnSelfDownAsync(decision.Reason ?? "declared down").ConfigureAwait(false);
    }

    private void Publish(MembershipSnapshot table)
    {
        var previous = Interlocked.Exchange(ref _current, table);
        // Every status change bumps the version; heartbeats alone do not, and are not news.
        if (previous.Version != table.Version)
        {
            _listener.OnMembershipChanged(table);
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private async Task LoopAsync()
    {
        var stop = _stopping.Token;
        while (!stop.IsCancellationRequested && !_finished)
        {
            try
            {
                using var round = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var delay = Task.Delay(_settings.PollInterval, _time, round.Token);
                var woken = _wake.Reader.WaitToReadAsync(round.Token).AsTask();
                WaitingForPoll?.Invoke();
                await Task.WhenAny(delay, woken).ConfigureAwait(false);
                await round.CancelAsync().ConfigureAwait(false);
                stop.ThrowIfCancellationRequested();
                // Consume the wake-up before the round: a wake-up during the round triggers one more.
                _wake.Reader.TryRead(out _);
                await RunRoundAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Test hook: the loop is now waiting for the next poll (its delay timer exists).</summary>
    internal event Action? WaitingForPoll;

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Node {Node} (incarnation {Incarnation}) joined the membership table at {Address}")]
    private partial void LogJoined(string node, long incarnation, string address);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Membership: {Action} on {Member} {Reason}")]
    private partial void LogApplied(string action, string member, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Debug, Message = "Membership: {Action} on {Member} conflicted at version {Version}; re-reading")]
    private partial void LogConflict(string action, string member, long version);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Critical, Message = "Node {Node} (incarnation {Incarnation}) is out of the cluster: {Reason}. Stopping; it will not write again")]
    private partial void LogSelfDown(string node, long incarnation, string reason);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Node {Node} starts leaving the cluster")]
    private partial void LogLeaving(string node);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "Node {Node} left the cluster")]
    private partial void LogLeft(string node);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Warning, Message = "Membership store error; retrying at the next poll")]
    private partial void LogStoreError(Exception exception);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Information, Message = "Membership: an operator asked {Member} to leave; marked Leaving")]
    private partial void LogLeaveRequested(string member);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Error, Message = "Before-leave hook {Hook} failed; continuing the leave")]
    private partial void LogHookFailed(Exception exception, string hook);
}
