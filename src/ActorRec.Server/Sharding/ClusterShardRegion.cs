using ActorRec.Actors;
using ActorRec.Cluster.Sharding;
using ActorRec.Recommender.Entities;

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
/// entity and shard, which the HTTP layer answers with 503 problem+json: an event batch is never half acknowledged.
/// </para>
/// </summary>
public sealed class ClusterShardRegion : IShardRegion
{
    private readonly Func<string, int> _shardOf;
    private readonly Action<string, object, IActorRef?> _tell;
    private readonly Func<string, object, TimeSpan, Task<object>> _ask;
    private readonly RetryPolicy _retry;
    private readonly TimeProvider _time;
    private long _retries;

    public ClusterShardRegion(ShardedRegion region, RetryPolicy? retry = null, TimeProvider? time = null)
        : this((region ?? throw new ArgumentNullException(nameof(region))).TypeName, region.ShardOf, region.Tell, region.Ask, retry, time)
    {
    }

    // The region's operations as functions: the public constructor passes a ShardedRegion's, tests pass fakes.
    internal ClusterShardRegion(string typeName, Func<string, int> shardOf, Action<string, object, IActorRef?> tell,
        Func<string, object, TimeSpan, Task<object>> ask, RetryPolicy? retry, TimeProvider? time)
    {
        TypeName = typeName;
        _shardOf = shardOf;
        _tell = tell;
        _ask = ask;
        _retry = retry ?? RetryPolicy.Default;
        _time = time ?? TimeProvider.System;
    }

    public string TypeName { get; }

    /// <summary>The shard of <paramref name="entityId"/>.</summary>
    public int ShardOf(string entityId) => _shardOf(entityId);

    /// <summary>Retry attempts that followed a <see cref="ShardUnavailableException"/> (for metrics and tests).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public void Tell(string entityId, object message, IActorRef? sender = null) => _tell(entityId, message, sender);

    public async Task<object> Ask(string entityId, object message, TimeSpan timeout)
    {
        var start = _time.GetTimestamp();
        var delay = _retry.FirstDelay;
        var attempts = 0;
        while (true)
        {
            attempts++;
            var left = timeout - _time.GetElapsedTime(start);
            try
            {
                return await _ask(entityId, message, left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1)).ConfigureAwait(false);
            }
            catch (ShardUnavailableException error)
            {
                var remaining = timeout - _time.GetElapsedTime(start);
                if (remaining <= delay)
                {
                    throw new EntityUnavailableException(
                        $"{TypeName} {entityId} (shard {ShardOf(entityId)}) is unavailable (shard hand-off in progress) after {attempts} attempt(s) within {timeout.TotalSeconds:0.###} s: {error.Message}",
                        error);
                }

                Interlocked.Increment(ref _retries);
                await Task.Delay(delay, _time).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _retry.MaxDelay.Ticks));
            }
        }
    }
}

/// <summary>Back-off between retries of an ask whose shard is unavailable.</summary>
/// <param name="FirstDelay">Delay before the first retry; doubles after each.</param>
/// <param name="MaxDelay">Cap of the delay.</param>
public sealed record RetryPolicy(TimeSpan FirstDelay, TimeSpan MaxDelay)
{
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
