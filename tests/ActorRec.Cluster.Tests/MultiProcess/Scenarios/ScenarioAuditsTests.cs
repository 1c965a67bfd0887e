namespace ActorRec.Cluster.Tests.MultiProcess.Scenarios;

/// <summary>The scenario verdicts on made-up observations: each check passes on a clean history and fails on its fault.</summary>
public sealed class ScenarioAuditsTests
{
    private static readonly IReadOnlySet<string> NoDoubt = new HashSet<string>();

    private static Dictionary<string, IReadOnlySet<string>> Acked(params (string Entity, string[] Ids)[] entries) =>
        entries.ToDictionary(e => e.Entity, e => (IReadOnlySet<string>)e.Ids.ToHashSet(StringComparer.Ordinal));

    private static Dictionary<string, IReadOnlyList<JournaledEvent>> Journals(params (string Entity, JournaledEvent[] Rows)[] entries) =>
        entries.ToDictionary(e => e.Entity, e => (IReadOnlyList<JournaledEvent>)e.Rows);

    [Fact]
    public void A_clean_history_has_no_violation()
    {
        var violations = ScenarioAudits.AuditJournals("user", Acked(("u1", ["e1", "e2"])),
            NoDoubt, Journals(("u1", [new(1, 1, "e1"), new(2, 2, "e2")])), requireEpochs: true, _ => 2);
        Assert.Empty(violations);
    }

    [Fact]
    public void An_acknowledged_event_missing_from_the_journal_is_lost()
    {
        var violations = ScenarioAudits.AuditJournals("user", Acked(("u1", ["e1", "e2"]), ("u2", ["e3"])),
            NoDoubt, Journals(("u1", [new(1, 1, "e1")])), requireEpochs: false);
        Assert.Equal(["lost: acknowledged event e2 is not in the journal of user/u1", "lost: acknowledged event e3 is not in the journal of user/u2"], violations);
    }

    [Fact]
    public void An_event_journaled_twice_is_a_duplicate_and_an_unsent_one_is_unknown()
    {
        var violations = ScenarioAudits.AuditJournals("video", Acked(("v1", ["e1"])),
            NoDoubt, Journals(("v1", [new(1, 3, "e1"), new(2, 3, "e1"), new(3, 3, "zz")])), requireEpochs: false);
        Assert.Equal(2, violations.Count);
        Assert.StartsWith("duplicate: event e1 journaled twice for video/v1", violations[0], StringComparison.Ordinal);
        Assert.StartsWith("unknown: video/v1 seq 3 holds event zz", violations[1], StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_in_doubt_may_be_present_or_absent()
    {
        var doubt = new HashSet<string>(["e2", "e3"]);
        Assert.Empty(ScenarioAudits.AuditJournals("user", Acked(("u1", ["e1"])), doubt,
            Journals(("u1", [new(1, 1, "e1"), new(2, 1, "e2")])), requireEpochs: false));
    }

    [Fact]
    public void A_lower_epoch_after_a_higher_one_a_missing_epoch_and_an_epoch_above_the_shards_are_fencing_violations()
    {
        // Rows are sorted by sequence number first, whatever order the reader returned them in.
        var violations = ScenarioAudits.AuditJournals("user", Acked(("u1", ["e1", "e2", "e3", "e4"])), NoDoubt,
            Journals(("u1", [new(3, 2, "e3"), new(1, 2, "e1"), new(2, 3, "e2"), new(4, 0, "e4")])), requireEpochs: true, _ => 2);
        Assert.Equal(
        [
            "fencing: user/u1 seq 2 has epoch 3, above its shard's current epoch 2",
            "fencing: user/u1 seq 3 written with epoch 2 after seq 2 with epoch 3",
            "fencing: user/u1 seq 4 written with epoch 0 after seq 3 with epoch 2",
            "fencing: user/u1 seq 4 written without a fencing epoch",
        ], violations);
    }

    [Fact]
    public void Event_counts_must_equal_the_acknowledged_events_give_or_take_those_in_doubt()
    {
        var acked = Acked(("u1", ["e1", "e2"]), ("u2", ["e3"]), ("u3", ["e4"]), ("u4", ["e5"]));
        var doubt = new Dictionary<string, int> { ["u2"] = 1 };
        var counts = new Dictionary<string, long> { ["u1"] = 2, ["u2"] = 2, ["u3"] = 2 };
        Assert.Equal(["state: user/u3 eventCount 2, acknowledged 1", "state: user/u4 did not answer its eventCount"],
            ScenarioAudits.AuditEventCounts("user", acked, doubt, counts));
        counts["u1"] = 1;
        counts["u3"] = 1;
        counts["u4"] = 1;
        Assert.Equal(["state: user/u1 eventCount 1, acknowledged 2"], ScenarioAudits.AuditEventCounts("user", acked, doubt, counts));
    }

    [Fact]
    public void A_shard_listed_twice_an_unknown_node_or_more_residents_than_ids_fail_the_shard_map()
    {
        var nodes = new HashSet<string>(["a", "b"]);
        var clean = new List<ShardRow> { new("user", 0, "a", 2, 1, "allocated"), new("user", 1, "b", 0, 1, "allocated"), new("video", 0, null, 0, 0, "unallocated") };
        var excess = new HashSet<(string, int, long)>();
        Assert.Empty(ScenarioAudits.AuditShardMap(clean, (_, _) => 2, nodes, excess));

        var bad = new List<ShardRow> { new("user", 0, "a", 3, 1, "allocated"), new("user", 0, "b", 0, 2, "allocated"), new("user", 1, "z", 0, 1, "allocated") };
        Assert.Equal(
        [
            "shard map: user shard 0 listed twice",
            "shard map: user shard 1 on unknown node z",
        ], ScenarioAudits.AuditShardMap(bad, (_, _) => 2, nodes, excess));
        Assert.Equal(
        [
            "duplicate entity: user shard 0 reports 3 resident entities at epoch 1 in two successive samples, but only 2 distinct ids of it were ever used",
            "shard map: user shard 0 listed twice",
            "shard map: user shard 1 on unknown node z",
        ], ScenarioAudits.AuditShardMap(bad, (_, _) => 2, nodes, excess));
    }

    [Fact]
    public void One_sample_straddling_a_handoff_is_not_a_duplicate_but_an_excess_that_persists_at_one_epoch_is()
    {
        var nodes = new HashSet<string>(["a", "b"]);
        var excess = new HashSet<(string, int, long)>();
        Assert.Empty(ScenarioAudits.AuditShardMap([new("user", 0, "a", 3, 1, "handing-off")], (_, _) => 2, nodes, excess));
        Assert.Empty(ScenarioAudits.AuditShardMap([new("user", 0, "b", 3, 2, "allocated")], (_, _) => 2, nodes, excess));
        Assert.Empty(ScenarioAudits.AuditShardMap([new("user", 0, "b", 2, 2, "allocated")], (_, _) => 2, nodes, excess));
        Assert.Empty(ScenarioAudits.AuditShardMap([new("user", 0, "b", 3, 2, "allocated")], (_, _) => 2, nodes, excess));
        Assert.Single(ScenarioAudits.AuditShardMap([new("user", 0, "b", 3, 2, "allocated")], (_, _) => 2, nodes, excess));
    }

    [Fact]
    public void Shard_epochs_never_go_down_and_a_new_owner_always_has_a_new_epoch()
    {
        var before = new List<ShardRow> { new("user", 0, "a", 1, 4, "allocated"), new("user", 1, "a", 1, 2, "allocated") };
        Assert.Empty(ScenarioAudits.AuditEpochsGrow(before, [new("user", 0, "b", 1, 5, "allocated"), new("user", 1, "a", 1, 2, "handing-off")]));
        Assert.Equal(
        [
            "shard map: user shard 0 epoch went from 4 to 3",
            "shard map: user shard 1 moved from a to b without a new epoch (2)",
        ], ScenarioAudits.AuditEpochsGrow(before, [new("user", 0, "a", 1, 3, "allocated"), new("user", 1, "b", 1, 2, "allocated")]));
    }

    [Fact]
    public void The_ledger_keeps_acknowledged_events_per_user_and_video_and_retried_ones_leave_doubt()
    {
        var ledger = new EventLedger();
        SentEvent[] batch = [new("e1", "u1", "v1"), new("e2", "u2", "v1")];
        ledger.MarkInDoubt(batch);
        Assert.Equal(2, ledger.InDoubtCount);
        ledger.Acknowledge(batch);
        ledger.Acknowledge([new("e1", "u1", "v1")]); // a re-sent id counts once
        ledger.MarkInDoubt([new("e1", "u1", "v1"), new("e3", "u1", "v2")]); // an acknowledged id never goes back into doubt
        Assert.Equal(2, ledger.AcknowledgedCount);
        Assert.Equal(["e3"], ledger.InDoubt().Select(e => e.Id));
        Assert.Equal(["e1"], ledger.AcknowledgedByUser()["u1"]);
        Assert.Equal(["e1", "e2"], ledger.AcknowledgedByVideo()["v1"].Order(StringComparer.Ordinal));
        Assert.True(ledger.IsAcknowledged("e2"));
        Assert.False(ledger.IsAcknowledged("e3"));
    }
}
