using System.Collections.Immutable;
using System.Diagnostics;
using ActorRec.Cluster.Transport;

namespace ActorRec.Cluster.Membership;

/// <summary>Life cycle of a member. The order matters: a member only ever moves forward.</summary>
public enum MemberStatus
{
    Joining = 0,
    Up = 1,
    Leaving = 2,
    Exiting = 3,
    Down = 4,
    Removed = 5,
}

/// <summary>One vote that a member looks dead: who suspected it, and when (UTC, by the suspector's clock).</summary>
public sealed record Suspicion(string By, DateTimeOffset At);

/// <summary>
/// One membership row. A member is identified by node name <em>and</em> incarnation, so a restarted node is a new
/// member and its previous incarnation is declared down. <see cref="ETag"/> is the row version the store assigned
/// on the last write; conditional writes must present the ETag they read. <see cref="Proof"/> is the member's
/// proof of the cluster secret (<see cref="MemberProof"/>): a row written by someone without the secret is declared down.
/// </summary>
[DebuggerDisplay("{NodeName}#{Incarnation} {Status} @ {Address}")]
public sealed record MemberRow(
    string NodeName,
    long Incarnation,
    string Address,
    MemberStatus Status,
    DateTimeOffset LastHeartbeat,
    ImmutableArray<Suspicion> Suspicions,
    ImmutableArray<string> Roles,
    DateTimeOffset StartedAt,
    long ETag = 0,
    string Proof = "")
{
    public string MemberKey => PeerIdentity.MemberKeyOf(NodeName, Incarnation);

    /// <summary>Joining, up, leaving or exiting: the member still takes part in the cluster.</summary>
    public bool IsLive => Status <= MemberStatus.Exiting;
}

/// <summary>The whole table as read at one <see cref="Version"/>.</summary>
public sealed record MembershipSnapshot(long Version, ImmutableArray<MemberRow> Members)
{
    public static MembershipSnapshot Empty { get; } = new(0, []);

    public MemberRow? Find(string nodeName, long incarnation)
    {
        foreach (var m in Members)
        {
            if (m.Incarnation == incarnation && string.Equals(m.NodeName, nodeName, StringComparison.Ordinal))
            {
                return m;
            }
        }

        return null;
    }
}

/// <summary>Outcome of a conditional write.</summary>
public enum WriteOutcome
{
    /// <summary>The write happened; the table version moved on by one.</summary>
    Applied,

    /// <summary>Someone else wrote first (table version or row ETag changed, or the row already exists): re-read and retry.</summary>
    Conflict,
}
