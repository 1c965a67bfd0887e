using Microsoft.Extensions.Logging;

namespace ActorRec.Cluster.Sharding;

/// <summary>Structured log lines of sharding (event ids 1600–1699): every allocation, handoff step and fencing rejection.</summary>
internal static partial class ShardingLog
{
    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Shard {TypeName}/{Shard} allocated to {Node} (epoch {Epoch})")]
    public static partial void ShardAllocated(ILogger logger, string typeName, int shard, string node, long epoch);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Shard {TypeName}/{Shard} handoff begun: {From} -> {To} (epoch {Epoch}, reason {Reason})")]
    public static partial void HandoffBegun(ILogger logger, string typeName, int shard, string from, string to, long epoch, string reason);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Information, Message = "Shard {TypeName}/{Shard} handoff complete: {From} -> {To} (epoch {Epoch})")]
    public static partial void HandoffCompleted(ILogger logger, string typeName, int shard, string from, string to, long epoch);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Warning, Message = "Shard {TypeName}/{Shard} re-homed from down node {From} to {To} (epoch {Epoch})")]
    public static partial void ShardRehomed(ILogger logger, string typeName, int shard, string from, string to, long epoch);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Error, Message = "Shard coordinator of {TypeName} with token {Token} was fenced by a newer coordinator; it stops deciding")]
    public static partial void CoordinatorFenced(ILogger logger, string typeName, long token);

    [LoggerMessage(EventId = 1605, Level = LogLevel.Information, Message = "Shard coordinator of {TypeName}: {Operation} lost a write race; state re-read")]
    public static partial void WriteConflict(ILogger logger, string typeName, string operation);

    [LoggerMessage(EventId = 1606, Level = LogLevel.Information, Message = "Shard coordinator of {TypeName} started with token {Token}: {Shards} shards allocated")]
    public static partial void CoordinatorStarted(ILogger logger, string typeName, long token, int shards);

    [LoggerMessage(EventId = 1607, Level = LogLevel.Information, Message = "Region {TypeName} stops shard {Shard} for handoff (epoch {Epoch})")]
    public static partial void RegionHandoffStopping(ILogger logger, string typeName, int shard, long epoch);

    [LoggerMessage(EventId = 1608, Level = LogLevel.Information, Message = "Region {TypeName} released shard {Shard} (epoch {Epoch}, {Buffered} messages buffered for the new owner)")]
    public static partial void RegionShardReleased(ILogger logger, string typeName, int shard, long epoch, int buffered);

    [LoggerMessage(EventId = 1609, Level = LogLevel.Warning, Message = "Region {TypeName}: buffer of shard {Shard} is full ({Capacity}); message for entity {EntityId} refused")]
    public static partial void RegionBufferFull(ILogger logger, string typeName, int shard, int capacity, string entityId);

    [LoggerMessage(EventId = 1610, Level = LogLevel.Warning, Message = "Region {TypeName}: stale home of shard {Shard} refused (epoch {Epoch} older than known {KnownEpoch})")]
    public static partial void RegionStaleHomeRefused(ILogger logger, string typeName, int shard, long epoch, long knownEpoch);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Warning, Message = "Region {TypeName}: handoff of shard {Shard} timed out with {Entities} entities still running; releasing (late writes are fenced by epoch {Epoch})")]
    public static partial void RegionHandoffTimedOut(ILogger logger, string typeName, int shard, int entities, long epoch);

    [LoggerMessage(EventId = 1612, Level = LogLevel.Information, Message = "Region {TypeName} now serves shard {Shard} (epoch {Epoch}); {Buffered} buffered messages delivered")]
    public static partial void RegionShardStarted(ILogger logger, string typeName, int shard, long epoch, int buffered);
    [LoggerMessage(EventId = 1613, Level = LogLevel.Information, Message = "Region {TypeName} raised the journal fence of shard {Shard} to epoch {Epoch} (key {FenceKey}) before serving it")]
    public static partial void FenceRaised(ILogger logger, string typeName, int shard, long epoch, string fenceKey);

    [LoggerMessage(EventId = 1614, Level = LogLevel.Error, Message = "Fencing rejection: region {TypeName} on {Node} may not serve shard {Shard} at epoch {Epoch}: the journal holds epoch {StoredEpoch}; its messages are refused")]
    public static partial void FenceRejected(ILogger logger, string typeName, int shard, long epoch, long storedEpoch, string node);

    [LoggerMessage(EventId = 1615, Level = LogLevel.Warning, Message = "Region {TypeName} could not raise the journal fence of shard {Shard} to epoch {Epoch}; retrying")]
    public static partial void FenceFailed(ILogger logger, Exception error, string typeName, int shard, long epoch);

    [LoggerMessage(EventId = 1616, Level = LogLevel.Warning, Message = "Region {TypeName}: could not send {What} to node {Node}: {Reason}")]
    public static partial void RegionSendFailed(ILogger logger, string typeName, string what, string node, string reason);

    [LoggerMessage(EventId = 1617, Level = LogLevel.Information, Message = "Shard coordinator active on {Node} with token {Token}")]
    public static partial void CoordinatorActive(ILogger logger, string node, long token);

    [LoggerMessage(EventId = 1618, Level = LogLevel.Information, Message = "Shard coordinator on {Node} stopped (token {Token})")]
    public static partial void CoordinatorInactive(ILogger logger, string node, long token);

    [LoggerMessage(EventId = 1619, Level = LogLevel.Error, Message = "Shard coordinator: {Operation} of {TypeName} failed")]
    public static partial void CoordinatorFailed(ILogger logger, Exception error, string operation, string typeName);

    [LoggerMessage(EventId = 1620, Level = LogLevel.Information, Message = "Drain of node {Node} requested: {Owned} shards to hand off")]
    public static partial void DrainRequested(ILogger logger, string node, int owned);

    [LoggerMessage(EventId = 1621, Level = LogLevel.Warning, Message = "Region {TypeName}: shard {Shard} moved away from this node without a handoff (owner {Owner}, epoch {Epoch}); its entities stop")]
    public static partial void RegionShardLost(ILogger logger, string typeName, int shard, string owner, long epoch);

    [LoggerMessage(EventId = 1622, Level = LogLevel.Warning, Message = "Drain of node {Node} did not finish within {Timeout}; the node leaves and its remaining shards are re-homed")]
    public static partial void DrainTimedOut(ILogger logger, string node, TimeSpan timeout);

    [LoggerMessage(EventId = 1623, Level = LogLevel.Warning, Message = "Entity host {TypeName}: {Waiting} entities waited for the recovery throttle while a token was free (its timer tick was lost or late; timer armed: {Armed}); starting them now")]
    public static partial void ThrottleStalled(ILogger logger, string typeName, int waiting, bool armed);

    [LoggerMessage(EventId = 1624, Level = LogLevel.Warning, Message = "Region {TypeName} on {Node}: a message has waited {Seconds} s on this node without reaching its entity; state: {Dump}")]
    public static partial void RegionStalled(ILogger logger, string typeName, string node, double seconds, string dump);
}
