using ActorRec.Actors;
using ActorRec.Cluster.Sharding;
using ActorRec.Recommender.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Server.Sharding;

/// <summary>
/// The feed engine's <see cref="IShardRegion"/> over a cluster <see cref="ShardedRegion"/>: messages go to the node
/// that owns the entity's shard, replies come back across nodes.
/// <para>
/// <b>Retries.</b> While a shard is handed off its messages are buffered; when that buffer is full the ask faults with
/// <see cref="ShardUnavailableException"/>. Every entity command of the feed is idempotent (events carry ids the
/// entities deduplicate; reads and video registrations can be repeated), so the ask is sent again after a back-off
/// (<see cref="RetryPolicy"/>: doubling from its first delay up to its cap) for as long as the ask's own time limit
/// allows. When the budget is spent the ask fails with <see cref="EntityUnavailableException"/> naming the type,
/// entity and shard, which the HTTP layer answers with 503 problem+json and Retry-After: an event batch is never half
/// acknowledged.
/// </para>
/// <para>
/// <b>Lost nodes.</b> An ask routed to another node (the region's current owner of the shard,
/// <see cref="ShardedRegion.OwnerOf"/>) races its reply against that node's loss signal (<see cref="NodeLossWatch"/>:
/// connection lost, suspected unreachable, or down): when the node is lost the ask fails at once with
/// <see cref="EntityUnavailableException"/> naming the entity, shard and node, and an ask for a node already lost fails
/// before it is sent. It is not retried here: the shard serves again only once it is re-homed (seconds), so the
/// client is told to retry (Retry-After) instead of being held. A reply that still arrives is dropped; re-sending is
/// safe (idempotent commands).
/// </para>
/// <para>
/// <b>Bundles.</b> <see cref="AskAll"/> groups messages by the node that owns their shard and sends each remote group
/// as one <see cref="EntityBatch"/> to that node's <see cref="EntityBatchEndpoint"/>, which hands every message to its
/// own entity and answers once. Messages of shards served here, or whose home is unknown or moving, are asked one by
/// one (the region resolves them). Entries a node reports as in hand-off are re-grouped with fresh owners and sent
/// again after the back-off, inside the deadline; any other failure fails the call with a message naming the part
/// (type, entity, shard, node). Only when every entry has its reply does the call complete.
/// </para>
/// </summary>
public sealed partial class ClusterShardRegion : IShardRegion
{
    /// <summary>At most one diagnostics dump (warning 1310) per region this often.</summary>
    public static readonly TimeSpan TimeoutDumpInterval = TimeSpan.FromSeconds(10);

    private readonly Func<string, int> _shardOf;
    private readonly Func<int, string?> _ownerOf;
    private readonly Action<string, object, IActorRef?> _tell;
    private readonly Func<string, object, TimeSpan, Task<object>> _ask;
    private readonly RoutingSettings _routing;
    private readonly TimeProvider _time;
    private readonly string? _selfNode;
    private readonly NodeLossWatch? _watch;
    private readonly Func<string, EntityBatch, TimeSpan, Task<object>>? _sendPart;
    private readonly Func<string, Task<RegionDiagnostics>>? _describe;
    private readonly ILogger _logger;
    private long _retries;
    private long _parts;
    private long _dumpedAt;

    /// <param name="region">The cluster region.</param>
    /// <param name="routing">Back-off, Retry-After, bundling.</param>
    /// <param name="time">Clock of the back-off.</param>
    /// <param name="selfNode">This node's name.</param>
    /// <param name="watch">Lost nodes; null: asks wait for their deadline.</param>
    /// <param name="sendPart">Asks node N's <see cref="EntityBatchEndpoint"/> with a part (timeout); null: no bundling.</param>
    /// <param name="describe">This node's <see cref="RegionDiagnostics"/> for an entity (<see cref="ClusterSharding.DescribeAsync"/>),
    /// logged when an ask served here times out; null: not logged.</param>
    /// <param name="logger">Where that dump goes.</param>
    public ClusterShardRegion(ShardedRegion region, RoutingSettings? routing = null, TimeProvider? time = null, string? selfNode = null,
        NodeLossWatch? watch = null, Func<string, EntityBatch, TimeSpan, Task<object>>? sendPart = null,
        Func<string, Task<RegionDiagnostics>>? describe = null, ILogger? logger = null)
        : this((region ?? throw new ArgumentNullException(nameof(region))).TypeName, region.ShardOf, region.OwnerOf, region.Tell, region.Ask,
            routing, time, selfNode, watch, sendPart, describe, logger)
    {
    }

    // The region's operations as functions: the public constructor passes a ShardedRegion's, tests pass fakes.
    internal ClusterShardRegion(string typeName, Func<string, int> shardOf, Func<int, string?> ownerOf, Action<string, object, IActorRef?> tell,
        Func<string, object, TimeSpan, Task<object>> ask, RoutingSettings? routing, TimeProvider? time, string? selfNode = null,
        NodeLossWatch? watch = null, Func<string, EntityBatch, TimeSpan, Task<object>>? sendPart = null,
        Func<string, Task<RegionDiagnostics>>? describe = null, ILogger? logger = null)
    {
        TypeName = typeName;
        _describe = describe;
        _logger = logger ?? NullLogger.Instance;
        _shardOf = shardOf;
        _ownerOf = ownerOf;
        _tell = tell;
        _ask = ask;
        _routing = routing ?? RoutingSettings.Default;
        _time = time ?? TimeProvider.System;
        _selfNode = selfNode;
        _watch = watch;
        _sendPart = sendPart;
    }

    public string TypeName { get; }

    /// <summary>The shard of <paramref name="entityId"/>.</summary>
    public int ShardOf(string entityId) => _shardOf(entityId);

    /// <summary>Retry attempts that followed a <see cref="ShardUnavailableException"/> (for metrics and tests).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Bundled parts sent to other nodes by <see cref="AskAll"/> (for metrics and tests).</summary>
    public long PartsSent => Interlocked.Read(ref _parts);

    public void Tell(string entityId, object message, IActorRef? sender = null) => _tell(entityId, message, sender);

    public async Task<object> Ask(string entityId, object message, TimeSpan timeout)
    {
        var start = _time.GetTimestamp();
        var delay = _routing.Retry.FirstDelay;
        var attempts = 0;
        while (true)
        {
            attempts++;
            var left = timeout - _time.GetElapsedTime(start);
            try
            {
                return await AskOnce(entityId, message, left).ConfigureAwait(false);
            }
            catch (ShardUnavailableException error)
            {
                var remaining = timeout - _time.GetElapsedTime(start);
                if (remaining <= delay)
                {
                    throw Unavailable(
                        $"{TypeName} {entityId} (shard {ShardOf(entityId)}) is unavailable (shard hand-off in progress) after {attempts} attempt(s) within {timeout.TotalSeconds:0.###} s: {error.Message}",
                        error);
                }

                Interlocked.Increment(ref _retries);
                await Task.Delay(delay, _time).ConfigureAwait(false);
                delay = Next(delay);
            }
        }
    }

    /// <summary>
    /// One attempt: the ask, raced against the loss of the node that owns the shard now. Faults with
    /// <see cref="ShardUnavailableException"/> (retryable), <see cref="EntityUnavailableException"/> (owner lost),
    /// <see cref="AskTimeoutException"/>, or the entity's failure.
    /// </summary>
    internal async Task<object> AskOnce(string entityId, object message, TimeSpan timeout)
    {
        timeout = timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1);
        if (_watch is null)
        {
            return await _ask(entityId, message, timeout).ConfigureAwait(false);
        }

        var shard = _shardOf(entityId);
        var owner = _ownerOf(shard);
        if (owner is null || owner == _selfNode)
        {
            try
            {
                return await _ask(entityId, message, timeout).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                DumpOnTimeout(entityId, shard, message, timeout);
                throw;
            }
        }

        if (_watch.IsLost(owner, out var reason))
        {
            throw NodeLost(entityId, shard, owner, reason);
        }

        var lost = _watch.LostSignal(owner);
        var ask = _ask(entityId, message, timeout);
        if (await Task.WhenAny(ask, lost).ConfigureAwait(false) != ask)
        {
            Abandon(ask);
            throw NodeLost(entityId, shard, owner, await lost.ConfigureAwait(false));
        }

        return await ask.ConfigureAwait(false);
    }

    /// <summary>
    /// Sends <c>messages[i]</c> to <c>entityIds[i]</c> for every i and returns the replies in order, bundling the
    /// messages per owning node (see the class remarks). Faults with <see cref="EntityUnavailableException"/> naming
    /// the part that failed, or <see cref="AskTimeoutException"/> when an entity asked here did not answer in time.
    /// </summary>
    public async Task<object[]> AskAll(IReadOnlyList<string> entityIds, IReadOnlyList<object> messages, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(entityIds);
        ArgumentNullException.ThrowIfNull(messages);
        if (entityIds.Count != messages.Count)
        {
            throw new ArgumentException($"{entityIds.Count} entity ids but {messages.Count} messages", nameof(messages));
        }

        if (_watch is null || _sendPart is null || !_routing.BundlePerNode)
        {
            return await ShardRegions.AskEach(this, entityIds, messages, timeout).ConfigureAwait(false);
        }

        var replies = new object[entityIds.Count];
        var pending = new List<int>(entityIds.Count);
        for (var i = 0; i < entityIds.Count; i++)
        {
            pending.Add(i);
        }

        var start = _time.GetTimestamp();
        var delay = _routing.Retry.FirstDelay;
        var attempts = 0;
        while (true)
        {
            attempts++;
            var left = timeout - _time.GetElapsedTime(start);
            var retry = await SendRoundAsync(entityIds, messages, pending, replies, left).ConfigureAwait(false);
            if (retry is null)
            {
                return replies;
            }

            var remaining = timeout - _time.GetElapsedTime(start);
            if (remaining <= delay)
            {
                var (index, node, error) = retry[0];
                var id = entityIds[index];
                throw Unavailable(
                    $"{TypeName} {id} (shard {ShardOf(id)}) on node {node} is unavailable (shard hand-off in progress) after {attempts} attempt(s) within {timeout.TotalSeconds:0.###} s: {error}");
            }

            Interlocked.Increment(ref _retries);
            await Task.Delay(delay, _time).ConfigureAwait(false);
            delay = Next(delay);
            pending.Clear();
            foreach (var (index, _, _) in retry)
            {
                pending.Add(index);
            }
        }
    }

    // One round: every pending entry once, grouped by owner. Fills replies; returns the entries a node reported as in
    // hand-off (to re-route), or null when every entry has its reply. Any other failure throws, naming the part.
    private async Task<List<(int Index, string Node, string Error)>?> SendRoundAsync(
        IReadOnlyList<string> entityIds, IReadOnlyList<object> messages, List<int> pending, object[] replies, TimeSpan left)
    {
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var single = new List<int>();
        foreach (var i in pending)
        {
            var shard = _shardOf(entityIds[i]);
            var owner = _ownerOf(shard);
            if (owner is null || owner == _selfNode || !_watch!.TryGetAddress(owner, out _))
            {
                single.Add(i);
                continue;
            }

            if (_watch.IsLost(owner, out var reason))
            {
                throw NodeLost(entityIds[i], shard, owner, reason);
            }

            if (!groups.TryGetValue(owner, out var group))
            {
                groups[owner] = group = [];
            }

            group.Add(i);
        }

        // A group of one gains nothing from the endpoint's extra hop: it is asked like the others.
        var parts = new List<(string Node, List<int> Indexes, Task<object> Reply, Task<string> Lost)>(groups.Count);
        foreach (var (node, indexes) in groups)
        {
            if (indexes.Count == 1)
            {
                single.Add(indexes[0]);
                continue;
            }

            var ids = new string[indexes.Count];
            var batch = new object[indexes.Count];
            for (var j = 0; j < ids.Length; j++)
            {
                ids[j] = entityIds[indexes[j]];
                batch[j] = messages[indexes[j]];
            }

            var budget = left - _routing.PartReplyMargin;
            var part = new EntityBatch(TypeName, ids, batch, budget > TimeSpan.Zero ? budget : left);
            Interlocked.Increment(ref _parts);
            parts.Add((node, indexes, _sendPart!(node, part, left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1)), _watch!.LostSignal(node)));
        }

        var asks = new Task<object>[single.Count];
        for (var j = 0; j < asks.Length; j++)
        {
            asks[j] = Ask(entityIds[single[j]], messages[single[j]], left);
        }

        for (var j = 0; j < asks.Length; j++)
        {
            replies[single[j]] = await asks[j].ConfigureAwait(false);
        }

        List<(int, string, string)>? retry = null;
        foreach (var (node, indexes, reply, lost) in parts)
        {
            var answer = await AwaitPartAsync(node, indexes, entityIds, reply, lost, left).ConfigureAwait(false);
            for (var j = 0; j < indexes.Count; j++)
            {
                var result = answer.Results[j];
                if (result.Reply is { } value)
                {
                    replies[indexes[j]] = value;
                }
                else if (result.Retryable)
                {
                    (retry ??= []).Add((indexes[j], node, result.Error ?? "unavailable"));
                }
                else
                {
                    var id = entityIds[indexes[j]];
                    throw Unavailable($"{TypeName} {id} (shard {ShardOf(id)}) on node {node}: {result.Error}");
                }
            }
        }

        return retry;
    }

    private async Task<EntityBatchReply> AwaitPartAsync(string node, List<int> indexes, IReadOnlyList<string> entityIds, Task<object> reply, Task<string> lost,
        TimeSpan left)
    {
        var first = entityIds[indexes[0]];
        var part = $"the {TypeName} part for node {node} ({indexes.Count} entities, first {first} of shard {ShardOf(first)})";
        if (await Task.WhenAny(reply, lost).ConfigureAwait(false) != reply)
        {
            Abandon(reply);
            throw Unavailable($"{part} failed: {await lost.ConfigureAwait(false)}");
        }

        object answer;
        try
        {
            answer = await reply.ConfigureAwait(false);
        }
        catch (AskTimeoutException error)
        {
            throw Unavailable($"{part} got no answer within {left.TotalSeconds:0.###} s", error);
        }

        return answer is EntityBatchReply batch && batch.Results.Count == indexes.Count
            ? batch
            : throw Unavailable($"{part} was answered with {answer.GetType().Name}");
    }

    /// <summary>
    /// An ask this node's region served (or was resolving) got no answer: logs the region's state and the entity's
    /// (warning 1310), at most once per <see cref="TimeoutDumpInterval"/>, without delaying the caller.
    /// </summary>
    private void DumpOnTimeout(string entityId, int shard, object message, TimeSpan timeout)
    {
        if (_describe is null)
        {
            return;
        }

        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _dumpedAt);
        if ((last != 0 && _time.GetElapsedTime(last, now) < TimeoutDumpInterval) || Interlocked.CompareExchange(ref _dumpedAt, now, last) != last)
        {
            return;
        }

        var what = message.GetType().Name;
        _ = _describe(entityId).ContinueWith(
            t => LogAskTimedOut(_logger, TypeName, entityId, shard, what, timeout.TotalSeconds,
                t.IsCompletedSuccessfully ? t.Result.Describe() : "no dump: " + t.Exception?.GetBaseException().Message),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    [LoggerMessage(EventId = 1310, Level = LogLevel.Warning,
        Message = "{TypeName} {EntityId} (shard {Shard}) did not answer a {Message} within {Seconds} s on this node; state: {Dump}")]
    private static partial void LogAskTimedOut(ILogger logger, string typeName, string entityId, int shard, string message, double seconds, string dump);

    private TimeSpan Next(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _routing.Retry.MaxDelay.Ticks));

    private EntityUnavailableException NodeLost(string entityId, int shard, string node, string reason) =>
        Unavailable($"{TypeName} {entityId} (shard {shard}) lives on node {node}, which is unavailable: {reason}; retry after the shard is re-homed");

    private EntityUnavailableException Unavailable(string message, Exception? inner = null) => new(message, inner) { RetryAfter = _routing.RetryAfter };

    // The ask was given up on: its late fault (a timeout) is observed here, not left unobserved.
    private static void Abandon(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}

/// <summary>Back-off between retries of an ask whose shard is unavailable.</summary>
/// <param name="FirstDelay">Delay before the first retry; doubles after each.</param>
/// <param name="MaxDelay">Cap of the delay.</param>
public sealed record RetryPolicy(TimeSpan FirstDelay, TimeSpan MaxDelay)
{
    /// <summary>50 ms doubling up to 1 s (<c>actorrec.routing.retry-first-delay</c>, <c>retry-max-delay</c>).</summary>
    public static RetryPolicy Default { get; } = new(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1));

    public static RetryPolicy Create(TimeSpan firstDelay, TimeSpan maxDelay)
    {
        if (firstDelay <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(firstDelay), firstDelay, "the first retry delay must be positive");
        }

        if (maxDelay < firstDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDelay), maxDelay, "the maximum retry delay must not be below the first");
        }

        return new RetryPolicy(firstDelay, maxDelay);
    }
}
