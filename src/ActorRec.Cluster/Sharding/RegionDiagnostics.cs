using System.Globalization;
using System.Text;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// A point-in-time dump of one entity type's region on one node, for operators chasing a message that is never
/// answered (<see cref="ClusterSharding.DescribeAsync"/>). It names every place a message can wait on this node:
/// the region's per-shard buffer (home unknown, handoff, awaiting a handover), the entity host's per-shard queue behind
/// the journal fence, the recovery throttle's queue, and the buffers of entities waiting to start or passivating.
/// Only shards with something unusual are listed (plus the shard of the entity asked about), so the dump stays short.
/// Ages are measured on the node's clock when the dump was taken.
/// </summary>
/// <param name="TypeName">The entity type.</param>
/// <param name="Node">The node that answered.</param>
/// <param name="CoordinatorKnown">Whether the region knows a coordinator endpoint (home requests go nowhere without one).</param>
/// <param name="Phases">How many shards the region has in each phase ("Local", "Remote", "Resolving", ...).</param>
/// <param name="Shards">Region shards that buffer messages or are neither Local nor Remote (and the asked entity's shard).</param>
/// <param name="Host">The entity host's state; null when the host did not answer in time (its mailbox is not being
/// processed: a handler that blocks, or a lost wake-up in the actor runtime).</param>
public sealed record RegionDiagnostics(string TypeName, string Node, bool CoordinatorKnown, IReadOnlyDictionary<string, int> Phases,
    IReadOnlyList<RegionShardDiagnostics> Shards, HostDiagnostics? Host)
{
    /// <summary>True when some message has waited on this node for at least <paramref name="age"/> (region buffer,
    /// fence queue, throttle or an entity's buffer).</summary>
    public bool HasMessagesOlderThan(TimeSpan age)
    {
        foreach (var s in Shards)
        {
            if (s.OldestBuffered >= age)
            {
                return true;
            }
        }

        if (Host is null)
        {
            return true; // an unresponsive host holds every message sent to it
        }

        foreach (var s in Host.Shards)
        {
            if (s.OldestPending >= age)
            {
                return true;
            }
        }

        return Host.OldestWaiting >= age;
    }

    /// <summary>One line per part, for a log message.</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.Append(c, $"region {TypeName} on {Node}: coordinator {(CoordinatorKnown ? "known" : "UNKNOWN")}; phases");
        foreach (var (phase, count) in Phases)
        {
            b.Append(c, $" {phase}={count}");
        }

        foreach (var s in Shards)
        {
            b.Append(c, $"\n  region shard {s.Shard}: {s.Phase}, owner {s.Owner ?? "-"}, epoch {s.Epoch}, {s.Buffered} buffered");
            b.Append(c, $" (oldest {Age(s.OldestBuffered)}), home asked {Age(s.SinceHomeRequest)} ago");
            if (s.ReleasedEpoch != 0)
            {
                b.Append(c, $", released at epoch {s.ReleasedEpoch}");
            }

            if (s.PendingBarriers > 0)
            {
                b.Append(c, $", {s.PendingBarriers} barriers pending");
            }

            if (s.HandoverFrom is { } from)
            {
                b.Append(c, $", awaiting handover from {from}");
            }
        }

        if (Host is not { } h)
        {
            b.Append("\n  host: DID NOT ANSWER (its mailbox is not being processed; no entity of this type is served on this node)");
            return b.ToString();
        }

        b.Append(c, $"\n  host: {h.Entities} entities ({h.Running} running, {h.WaitingToStart} waiting to start, {h.Passivating} passivating, ");
        b.Append(c, $"{h.BufferedInEntities} messages in their buffers, oldest waiting {Age(h.OldestWaiting)}); ");
        b.Append(c, $"throttle: {h.ThrottleWaiting} queued, {h.ThrottleTokens:0.#} tokens, next in {Age(h.ThrottleNext)}, timer {(h.ThrottleTimerArmed ? "armed" : "idle")}, {h.ThrottleStarted} started");
        if (h.JournalCommits is { } commits)
        {
            b.Append(c, $"; journal commits {commits}");
        }

        foreach (var s in h.Shards)
        {
            b.Append(c, $"\n  host shard {s.Shard}: epoch {s.Epoch}, {(s.Rejected ? "REJECTED" : s.Fenced ? "fenced" : "fence pending")}{(s.Stopping ? ", stopping" : "")}, ");
            b.Append(c, $"{s.Pending} pending (oldest {Age(s.OldestPending)}), {s.Entities} entities");
        }

        if (h.Entity is { } e)
        {
            b.Append(c, $"\n  entity {e.EntityId} (shard {e.Shard}): {e.State}");
            if (e.State != EntityDiagnostics.Absent)
            {
                b.Append(c, $", epoch {e.Epoch}, {e.Buffered} buffered, started {Age(e.SinceStart)} ago, last message {Age(e.SinceLastMessage)} ago, {e.Messages} messages");
            }
        }

        return b.ToString();
    }

    private static string Age(TimeSpan? age) => age is { } a ? a.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s" : "-";
}

/// <summary>One shard as the region sees it.</summary>
/// <param name="Shard">The shard.</param>
/// <param name="Phase">Its <see cref="ShardPhase"/>.</param>
/// <param name="Owner">The owner the region last learned.</param>
/// <param name="Epoch">The epoch the region last learned.</param>
/// <param name="Buffered">Messages the region holds for it.</param>
/// <param name="OldestBuffered">How long the buffer has been non-empty (null when empty).</param>
/// <param name="SinceHomeRequest">Time since the region last asked the coordinator for its home (null: never).</param>
/// <param name="ReleasedEpoch">Non-zero after this region released it, until the new home is learned.</param>
/// <param name="PendingBarriers">Barriers still awaited while handing it off.</param>
/// <param name="HandoverFrom">The old owner whose handover it awaits.</param>
public sealed record RegionShardDiagnostics(int Shard, string Phase, string? Owner, long Epoch, int Buffered, TimeSpan? OldestBuffered,
    TimeSpan? SinceHomeRequest, long ReleasedEpoch, int PendingBarriers, string? HandoverFrom);

/// <summary>The entity host of one type on one node.</summary>
/// <param name="Entities">Entities it tracks (running, waiting to start, passivating).</param>
/// <param name="Running">Started and not passivating.</param>
/// <param name="WaitingToStart">Waiting for the recovery throttle, with their messages.</param>
/// <param name="Passivating">Stopping; messages for their next incarnation wait in their buffer.</param>
/// <param name="BufferedInEntities">Messages held in entity buffers (waiting to start or passivating).</param>
/// <param name="OldestWaiting">How long the longest-waiting entity buffer has held messages (null: none).</param>
/// <param name="ThrottleWaiting">Entities in the recovery throttle's queue.</param>
/// <param name="ThrottleTokens">Tokens available now.</param>
/// <param name="ThrottleNext">When the throttle's next start is due (null: nothing queued).</param>
/// <param name="ThrottleTimerArmed">Whether the throttle's timer is armed.</param>
/// <param name="ThrottleStarted">Entities started through the throttle so far.</param>
/// <param name="JournalCommits">The journal writer's commits so far (null: unknown); two dumps show whether it moves.</param>
/// <param name="Shards">Shards not fenced yet, refused, stopping, or with queued messages (and the asked entity's shard).</param>
/// <param name="Entity">The entity asked about, if any.</param>
public sealed record HostDiagnostics(int Entities, int Running, int WaitingToStart, int Passivating, int BufferedInEntities, TimeSpan? OldestWaiting,
    int ThrottleWaiting, double ThrottleTokens, TimeSpan? ThrottleNext, bool ThrottleTimerArmed, long ThrottleStarted, long? JournalCommits,
    IReadOnlyList<HostShardDiagnostics> Shards, EntityDiagnostics? Entity);

/// <summary>One shard as the entity host sees it.</summary>
/// <param name="Shard">The shard.</param>
/// <param name="Epoch">The epoch it serves (or prepares).</param>
/// <param name="Fenced">The journal fence is raised: messages go to entities.</param>
/// <param name="Rejected">The journal holds a newer epoch: messages are refused.</param>
/// <param name="Stopping">Its entities are stopping (handoff or loss).</param>
/// <param name="Pending">Messages waiting for the fence.</param>
/// <param name="OldestPending">How long the fence queue has been non-empty (null when empty).</param>
/// <param name="Entities">Entities of the shard.</param>
public sealed record HostShardDiagnostics(int Shard, long Epoch, bool Fenced, bool Rejected, bool Stopping, int Pending, TimeSpan? OldestPending, int Entities);

/// <summary>One entity as the entity host sees it.</summary>
/// <param name="EntityId">The entity.</param>
/// <param name="Shard">Its shard.</param>
/// <param name="State"><see cref="Absent"/>, "running", "waiting-to-start" or "passivating".</param>
/// <param name="Epoch">The epoch it was started at.</param>
/// <param name="Buffered">Messages in its buffer.</param>
/// <param name="SinceStart">Time since this incarnation started (null: not started).</param>
/// <param name="SinceLastMessage">Time since the host last handed it a message.</param>
/// <param name="Messages">Messages the host handed this incarnation (or buffered for it).</param>
public sealed record EntityDiagnostics(string EntityId, int Shard, string State, long Epoch, int Buffered, TimeSpan? SinceStart, TimeSpan? SinceLastMessage,
    long Messages)
{
    public const string Absent = "absent";
}
