using System.Collections.Immutable;
using ActorRec.Cluster.FailureDetection;

namespace ActorRec.Cluster.Membership;

/// <summary>
/// Pure membership logic: from the table as read, the local failure detector's view and the clock, decide which
/// conditional writes this node should make. No I/O, so every rule is unit-testable on plain values.
/// </summary>
/// <remarks>
/// Rules, in priority order:
/// <list type="number">
/// <item>Self: a missing row, a Down row, or a live newer incarnation of our own name means we are out
/// (<see cref="SelfVerdict.Down"/>); a Removed row after a leave means we are done. A joining node that cannot verify
/// the proof of any Up member holds the wrong secret: it stops before promoting itself or judging anyone, so a
/// misconfigured node cannot down a healthy cluster (the first Up members define the secret).</item>
/// <item>Own life cycle: Joining → Up; on a leave request Up → Leaving; after the hand-off hooks Leaving → Exiting;
/// Exiting → Removed (one poll later, so peers see Exiting first).</item>
/// <item>Other live members: declared Down when their row lacks a valid proof of the cluster secret, when superseded by a newer incarnation, when their table heartbeat is
/// older than DownAfter, or when the valid suspicions (younger than the TTL, by distinct live members, ours
/// included) reach min(DownQuorum, live members other than the suspect). Otherwise, if our detector suspects
/// them and our vote is missing or expired, we add it.</item>
/// </list>
/// Every write bumps the table version, so the driver applies only the first action, re-reads and decides again.
/// Why it is safe: a Down verdict is written with the row's ETag, and the downed node stops as soon as it reads its
/// own row (it never writes a heartbeat or a status again), so "down" is final and seen by everyone who reads.
/// </remarks>
public static class MembershipRules
{
    public static MembershipDecision Decide(
        MembershipSnapshot table,
        string selfName,
        long selfIncarnation,
        IFailureDetectorView detector,
        DateTimeOffset now,
        MembershipRulesOptions options,
        LocalLeave leave,
        MemberProof? proof = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(options);

        var self = table.Find(selfName, selfIncarnation);
        if (self is null)
        {
            return Verdict(SelfVerdict.Down, "this node's membership row is missing");
        }

        if (self.Status == MemberStatus.Removed)
        {
            return Verdict(leave == LocalLeave.None ? SelfVerdict.Down : SelfVerdict.Removed,
                leave == LocalLeave.None ? "this node was removed without leaving" : "left the cluster");
        }

        if (self.Status == MemberStatus.Down)
        {
            // The members may down a refused joiner before its own first verdict: it still learns why.
            return Verdict(SelfVerdict.Down, proof is not null && !CanVerifyAnyUpMember(table, self, proof)
                ? "this node was declared down, and no Up member carries a proof this node can verify: this node's cluster secret is wrong"
                : "this node was declared down");
        }

        if (NewerIncarnation(table, self) is { } newer)
        {
            return Verdict(SelfVerdict.Down, $"a newer incarnation ({newer.Incarnation}) of this node joined");
        }

        if (proof is not null && self.Status == MemberStatus.Joining && !CanVerifyAnyUpMember(table, self, proof))
        {
            return Verdict(SelfVerdict.Down,
                "no Up member of the cluster carries a proof this node can verify: this node's cluster secret is wrong");
        }

        var actions = ImmutableArray.CreateBuilder<MembershipAction>();
        switch (self.Status)
        {
            case MemberStatus.Joining:
                actions.Add(new PromoteToUp(self));
                break;
            case MemberStatus.Up when leave != LocalLeave.None:
                actions.Add(new MarkLeaving(self));
                break;
            case MemberStatus.Leaving when leave == LocalLeave.HandoffDone:
                actions.Add(new MarkExiting(self));
                break;
            case MemberStatus.Exiting:
                actions.Add(new MarkRemoved(self));
                break;
        }

        var liveCount = 0;
        foreach (var m in table.Members)
        {
            if (m.IsLive)
            {
                liveCount++;
            }
        }

        var suspicions = new List<MembershipAction>();
        foreach (var m in table.Members)
        {
            if (!m.IsLive || ReferenceEquals(m, self))
            {
                continue;
            }

            if (proof is not null && !proof.Verify(m))
            {
                actions.Add(new DeclareDown(m, DownReason.Unauthenticated));
                continue;
            }

            if (NewerIncarnation(table, m) is not null)
            {
                actions.Add(new DeclareDown(m, DownReason.Superseded));
                continue;
            }

            if (now - m.LastHeartbeat > options.DownAfter)
            {
                actions.Add(new DeclareDown(m, DownReason.StaleHeartbeat));
                continue;
            }

            if (!detector.IsSuspected(m.MemberKey))
            {
                continue;
            }

            var selfKey = self.MemberKey;
            var votes = 1; // ours
            var ourVoteValid = false;
            foreach (var s in m.Suspicions.IsDefault ? [] : m.Suspicions)
            {
                if (now - s.At > options.SuspicionTimeToLive)
                {
                    continue;
                }

                if (string.Equals(s.By, selfKey, StringComparison.Ordinal))
                {
                    ourVoteValid = true;
                }
                else if (IsLiveMember(table, s.By, m))
                {
                    votes++;
                }
            }

            var required = Math.Max(1, Math.Min(options.DownQuorum, liveCount - 1));
            if (votes >= required)
            {
                actions.Add(new DeclareDown(m, DownReason.Quorum));
            }
            else if (!ourVoteValid)
            {
                suspicions.Add(new AddSuspicion(m, new Suspicion(selfKey, now)));
            }
        }

        actions.AddRange(suspicions);
        return new MembershipDecision(SelfVerdict.Alive, null, actions.ToImmutable());
    }

    /// <summary>True when there is no other Up member, or at least one carries a proof valid under our secret.</summary>
    private static bool CanVerifyAnyUpMember(MembershipSnapshot table, MemberRow self, MemberProof proof)
    {
        var othersUp = 0;
        foreach (var m in table.Members)
        {
            if (m.Status != MemberStatus.Up || ReferenceEquals(m, self))
            {
                continue;
            }

            othersUp++;
            if (proof.Verify(m))
            {
                return true;
            }
        }

        return othersUp == 0;
    }

    private static MembershipDecision Verdict(SelfVerdict verdict, string reason) => new(verdict, reason, []);

    private static MemberRow? NewerIncarnation(MembershipSnapshot table, MemberRow row)
    {
        foreach (var m in table.Members)
        {
            if (m.Incarnation > row.Incarnation && m.Status != MemberStatus.Removed && string.Equals(m.NodeName, row.NodeName, StringComparison.Ordinal))
            {
                return m;
            }
        }

        return null;
    }

    private static bool IsLiveMember(MembershipSnapshot table, string memberKey, MemberRow suspect)
    {
        foreach (var m in table.Members)
        {
            if (m.IsLive && !ReferenceEquals(m, suspect) && string.Equals(m.MemberKey, memberKey, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
