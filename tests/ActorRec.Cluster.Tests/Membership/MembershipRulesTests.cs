using ActorRec.Cluster.FailureDetection;
using ActorRec.Cluster.Membership;

namespace ActorRec.Cluster.Tests.Membership;

public sealed class MembershipRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly MembershipRulesOptions Options = new(TimeSpan.FromSeconds(7), DownQuorum: 2, TimeSpan.FromSeconds(30));

    private static MemberRow Row(string node, MemberStatus status = MemberStatus.Up, long incarnation = 1, TimeSpan? heartbeatAge = null, params Suspicion[] suspicions) =>
        new(node, incarnation, node + ":1", status, Now - (heartbeatAge ?? TimeSpan.FromSeconds(1)), [.. suspicions], [], Now - TimeSpan.FromMinutes(1), ETag: 5);

    private static MembershipSnapshot Table(params MemberRow[] rows) => new(10, [.. rows]);

    private static MembershipDecision Decide(MembershipSnapshot table, string self = "a", IFailureDetectorView? fd = null, LocalLeave leave = LocalLeave.None) =>
        MembershipRules.Decide(table, self, 1, fd ?? new Suspects(), Now, Options, leave);

    [Fact]
    public void A_joining_node_promotes_itself_to_up()
    {
        var d = Decide(Table(Row("a", MemberStatus.Joining), Row("b")));
        Assert.Equal(SelfVerdict.Alive, d.Self);
        var action = Assert.IsType<PromoteToUp>(Assert.Single(d.Actions));
        Assert.Equal(MemberStatus.Up, action.Apply().Status);
        Assert.Equal(5, action.Apply().ETag);
    }

    [Theory]
    [InlineData(MemberStatus.Down, "declared down")]
    [InlineData(MemberStatus.Removed, "removed without leaving")]
    public void A_node_that_reads_itself_down_or_removed_must_stop(MemberStatus status, string reason)
    {
        var d = Decide(Table(Row("a", status), Row("b")));
        Assert.Equal(SelfVerdict.Down, d.Self);
        Assert.Contains(reason, d.Reason, StringComparison.Ordinal);
        Assert.Empty(d.Actions);
    }

    [Fact]
    public void A_missing_row_or_a_newer_incarnation_means_self_down()
    {
        Assert.Equal(SelfVerdict.Down, Decide(Table(Row("b"))).Self);
        var superseded = Decide(Table(Row("a"), Row("a", MemberStatus.Joining, incarnation: 2)));
        Assert.Equal(SelfVerdict.Down, superseded.Self);
        Assert.Contains("newer incarnation (2)", superseded.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_old_incarnation_of_a_restarted_peer_is_declared_down()
    {
        var d = Decide(Table(Row("a"), Row("b"), Row("b", MemberStatus.Joining, incarnation: 2)));
        var down = Assert.IsType<DeclareDown>(Assert.Single(d.Actions));
        Assert.Equal((DownReason.Superseded, 1L), (down.Reason, down.Target.Incarnation));
    }

    [Fact]
    public void A_peer_whose_table_heartbeat_is_stale_is_declared_down()
    {
        var d = Decide(Table(Row("a"), Row("b", heartbeatAge: TimeSpan.FromSeconds(7.5)), Row("c", heartbeatAge: TimeSpan.FromSeconds(6.5))));
        var down = Assert.IsType<DeclareDown>(Assert.Single(d.Actions));
        Assert.Equal(("b", DownReason.StaleHeartbeat), (down.Target.NodeName, down.Reason));
        Assert.Equal(MemberStatus.Down, down.Apply().Status);
    }

    [Fact]
    public void A_suspected_peer_first_gets_our_vote_then_goes_down_when_the_quorum_agrees()
    {
        var fd = new Suspects("c#1");
        var first = Decide(Table(Row("a"), Row("b"), Row("c")), fd: fd);
        var vote = Assert.IsType<AddSuspicion>(Assert.Single(first.Actions));
        Assert.Equal(new Suspicion("a#1", Now), vote.Suspicion);
        Assert.Equal([new Suspicion("a#1", Now)], vote.Apply().Suspicions.ToArray());

        // Our vote is in; one vote of two: nothing more to do.
        Assert.Empty(Decide(Table(Row("a"), Row("b"), Row("c", suspicions: new Suspicion("a#1", Now))), fd: fd).Actions);

        // b agrees: quorum of 2 reached.
        var agreed = Decide(Table(Row("a"), Row("b"), Row("c", suspicions: new Suspicion("b#1", Now.AddSeconds(-3)))), fd: fd);
        var down = Assert.IsType<DeclareDown>(Assert.Single(agreed.Actions));
        Assert.Equal(DownReason.Quorum, down.Reason);
    }

    [Fact]
    public void Expired_votes_and_votes_of_dead_members_do_not_count()
    {
        var fd = new Suspects("c#1");
        var expired = Decide(Table(Row("a"), Row("b"), Row("c", suspicions: new Suspicion("b#1", Now.AddSeconds(-31)))), fd: fd);
        Assert.IsType<AddSuspicion>(Assert.Single(expired.Actions));

        var deadVoter = Decide(Table(Row("a"), Row("b"), Row("d", MemberStatus.Down), Row("c", suspicions: new Suspicion("d#1", Now))), fd: fd);
        Assert.IsType<AddSuspicion>(Assert.Single(deadVoter.Actions));

        // Re-voting replaces our expired vote instead of adding a second one.
        var revote = Decide(Table(Row("a"), Row("b"), Row("c", suspicions: new Suspicion("a#1", Now.AddSeconds(-40)))), fd: fd);
        Assert.Single(Assert.IsType<AddSuspicion>(Assert.Single(revote.Actions)).Apply().Suspicions);
    }

    [Fact]
    public void In_a_two_node_cluster_one_vote_is_enough()
    {
        var d = Decide(Table(Row("a"), Row("b")), fd: new Suspects("b#1"));
        Assert.Equal(DownReason.Quorum, Assert.IsType<DeclareDown>(Assert.Single(d.Actions)).Reason);
    }

    [Fact]
    public void Dead_members_and_unsuspected_ones_are_left_alone()
    {
        var d = Decide(Table(Row("a"), Row("b"), Row("x", MemberStatus.Down, heartbeatAge: TimeSpan.FromHours(1)), Row("y", MemberStatus.Removed)), fd: new Suspects("x#1"));
        Assert.Empty(d.Actions);
    }

    [Fact]
    public void Graceful_leave_goes_leaving_exiting_removed()
    {
        Assert.IsType<MarkLeaving>(Assert.Single(Decide(Table(Row("a"), Row("b")), leave: LocalLeave.Requested).Actions));
        Assert.Empty(Decide(Table(Row("a", MemberStatus.Leaving), Row("b")), leave: LocalLeave.Requested).Actions);
        var exiting = Assert.IsType<MarkExiting>(Assert.Single(Decide(Table(Row("a", MemberStatus.Leaving), Row("b")), leave: LocalLeave.HandoffDone).Actions));
        Assert.Equal(MemberStatus.Exiting, exiting.Apply().Status);
        Assert.IsType<MarkRemoved>(Assert.Single(Decide(Table(Row("a", MemberStatus.Exiting), Row("b")), leave: LocalLeave.HandoffDone).Actions));
        Assert.Equal(SelfVerdict.Removed, Decide(Table(Row("a", MemberStatus.Removed), Row("b")), leave: LocalLeave.HandoffDone).Self);
    }

    [Fact]
    public void A_leaving_peer_that_crashes_is_still_declared_down()
    {
        var d = Decide(Table(Row("a"), Row("b", MemberStatus.Exiting, heartbeatAge: TimeSpan.FromSeconds(9))));
        Assert.Equal(DownReason.StaleHeartbeat, Assert.IsType<DeclareDown>(Assert.Single(d.Actions)).Reason);
    }

    [Fact]
    public void Own_transitions_come_before_verdicts_on_others()
    {
        var d = Decide(Table(Row("a", MemberStatus.Joining), Row("b", heartbeatAge: TimeSpan.FromSeconds(60)), Row("c")), fd: new Suspects("c#1"));
        Assert.Collection(d.Actions,
            x => Assert.IsType<PromoteToUp>(x),
            x => Assert.IsType<DeclareDown>(x),
            x => Assert.IsType<AddSuspicion>(x));
    }

    [Fact]
    public void A_row_without_a_valid_proof_of_the_secret_is_declared_down()
    {
        var proof = new MemberProof("actorrec", "the-cluster-secret-123");
        var intruderProof = new MemberProof("actorrec", "guessed-secret-0000000");
        var good = Row("b") with { Proof = proof.Compute("b", 1, "b:1") };
        var forged = Row("c") with { Proof = intruderProof.Compute("c", 1, "c:1") };
        var copied = Row("d") with { Proof = good.Proof };
        var d = MembershipRules.Decide(Table(Row("a"), good, forged, copied, Row("e")), "a", 1, new Suspects(), Now, Options, LocalLeave.None, proof);
        Assert.Equal(["c", "d", "e"], d.Actions.Select(a => Assert.IsType<DeclareDown>(a)).Where(x => x.Reason == DownReason.Unauthenticated).Select(x => x.Target.NodeName));
    }

    [Fact]
    public void A_joiner_downed_by_the_members_before_its_own_verdict_still_learns_its_secret_is_wrong()
    {
        var proof = new MemberProof("actorrec", "the-cluster-secret-123");
        var intruderProof = new MemberProof("actorrec", "guessed-secret-0000000");
        var member = Row("b") with { Proof = proof.Compute("b", 1, "b:1") };
        var intruder = Row("a", MemberStatus.Down) with { Proof = intruderProof.Compute("a", 1, "a:1") };
        var refused = MembershipRules.Decide(Table(intruder, member), "a", 1, new Suspects(), Now, Options, LocalLeave.None, intruderProof);
        Assert.Equal(SelfVerdict.Down, refused.Self);
        Assert.Contains("cluster secret is wrong", refused.Reason, StringComparison.Ordinal);

        // A member with the right secret that was declared down is told just that.
        var downed = MembershipRules.Decide(Table(intruder with { Proof = proof.Compute("a", 1, "a:1") }, member), "a", 1, new Suspects(), Now, Options, LocalLeave.None, proof);
        Assert.Equal("this node was declared down", downed.Reason);
    }

    private sealed class Suspects(params string[] keys) : IFailureDetectorView
    {
        public bool IsSuspected(string memberKey) => keys.Contains(memberKey);
    }
}
