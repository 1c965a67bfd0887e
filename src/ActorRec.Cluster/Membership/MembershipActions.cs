using System.Collections.Immutable;

namespace ActorRec.Cluster.Membership;

/// <summary>Why a member was declared down.</summary>
public enum DownReason
{
    /// <summary>Enough live members suspect it (phi above threshold), see <see cref="MembershipRulesOptions.DownQuorum"/>.</summary>
    Quorum,

    /// <summary>Its heartbeat in the table is older than <see cref="MembershipRulesOptions.DownAfter"/>.</summary>
    StaleHeartbeat,

    /// <summary>A newer incarnation of the same node joined: the old one is gone.</summary>
    Superseded,

    /// <summary>Its row does not carry a valid proof of the cluster secret: it was not written by a cluster member.</summary>
    Unauthenticated,
}

/// <summary>One conditional write the rules ask for. Each applies to <see cref="Target"/> as read.</summary>
public abstract record MembershipAction(MemberRow Target)
{
    /// <summary>The row to write (same ETag as the target, so the write fails if the row changed meanwhile).</summary>
    public abstract MemberRow Apply();
}

public sealed record PromoteToUp(MemberRow Target) : MembershipAction(Target)
{
    public override MemberRow Apply() => Target with { Status = MemberStatus.Up };
}

public sealed record MarkLeaving(MemberRow Target) : MembershipAction(Target)
{
    public override MemberRow Apply() => Target with { Status = MemberStatus.Leaving };
}

public sealed record MarkExiting(MemberRow Target) : MembershipAction(Target)
{
    public override MemberRow Apply() => Target with { Status = MemberStatus.Exiting };
}

public sealed record MarkRemoved(MemberRow Target) : MembershipAction(Target)
{
    public override MemberRow Apply() => Target with { Status = MemberStatus.Removed };
}

public sealed record AddSuspicion(MemberRow Target, Suspicion Suspicion) : MembershipAction(Target)
{
    public override MemberRow Apply()
    {
        // Keep at most one vote per suspector (the newest).
        var votes = ImmutableArray.CreateBuilder<Suspicion>();
        foreach (var s in Target.Suspicions.IsDefault ? [] : Target.Suspicions)
        {
            if (!string.Equals(s.By, Suspicion.By, StringComparison.Ordinal))
            {
                votes.Add(s);
            }
        }

        votes.Add(Suspicion);
        return Target with { Suspicions = votes.ToImmutable() };
    }
}

public sealed record DeclareDown(MemberRow Target, DownReason Reason) : MembershipAction(Target)
{
    public override MemberRow Apply() => Target with { Status = MemberStatus.Down };
}

/// <summary>What the local node must conclude about itself.</summary>
public enum SelfVerdict
{
    /// <summary>Still a member; carry on.</summary>
    Alive,

    /// <summary>Declared down, superseded or its row vanished: stop all entities and exit, never write again.</summary>
    Down,

    /// <summary>Graceful leave completed.</summary>
    Removed,
}

/// <summary>Result of one evaluation of <see cref="MembershipRules.Decide"/>: actions in priority order.</summary>
public sealed record MembershipDecision(SelfVerdict Self, string? Reason, ImmutableArray<MembershipAction> Actions);

/// <summary>Where this node is in a graceful leave.</summary>
public enum LocalLeave
{
    None,

    /// <summary>An operator or SIGTERM asked to leave: become Leaving.</summary>
    Requested,

    /// <summary>The before-leave hooks (shard hand-off) finished: Leaving may become Exiting.</summary>
    HandoffDone,
}

/// <summary>What <see cref="MembershipService.RequestLeaveAsync"/> did.</summary>
public enum LeaveRequestOutcome
{
    /// <summary>The member is now Leaving (or this node started its own leave).</summary>
    Started,

    /// <summary>No live member has that name.</summary>
    NotFound,

    /// <summary>The member is already Leaving or Exiting.</summary>
    AlreadyLeaving,
}

/// <summary>Thresholds of <see cref="MembershipRules"/>.</summary>
public sealed record MembershipRulesOptions(TimeSpan DownAfter, int DownQuorum, TimeSpan SuspicionTimeToLive)
{
    public static MembershipRulesOptions From(ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(settings.DownAfter, settings.DownQuorum, settings.SuspicionTimeToLive);
    }
}
