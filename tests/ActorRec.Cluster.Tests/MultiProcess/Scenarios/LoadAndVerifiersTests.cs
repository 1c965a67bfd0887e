using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.MultiProcess.Scenarios;

/// <summary>
/// The scenario tooling end to end against one real <c>actorrec serve</c> with the PostgreSQL journal: the load
/// driver's acknowledged events are all found by the verifiers (journal and live state), and the verifiers do
/// report a loss when the ledger claims an event the node never received.
/// </summary>
[Collection(ShardingScenarioCollection.Name)]
public sealed class LoadAndVerifiersTests(PostgresServer postgres)
{
    [Fact]
    public async Task Every_acknowledged_event_is_found_and_a_claimed_but_unsent_one_is_reported_lost()
    {
        var options = new ScenarioOptions(Users: 12, Videos: 4, Load: new LoadOptions(EventWorkers: 2, FeedWorkers: 1));
        await using var run = await ScenarioRun.StartAsync(postgres, "scen_tooling", options, ["solo"], sharded: false);
        await run.StartLoadAsync(events: 60);
        await run.Load.WaitFeedsAsync(5, MultiProcessCluster.Guard);
        var violations = await run.QuiesceAndVerifyAsync();
        run.AssertClean(violations);
        Assert.True(run.Ledger.AcknowledgedCount >= 60 + options.Videos, run.Report());
        Assert.Equal(0, run.Ledger.InDoubtCount);

        // An event the ledger believes acknowledged but nobody sent: lost from the journal, and the count is short.
        run.Ledger.Acknowledge([new SentEvent("never-sent", "u-3", "v-1")]);
        var found = await ScenarioVerifier.VerifyAsync(run.Cluster.ConnectionString, run.Targets, run.Ledger, run.Users, run.Videos, sharded: false);
        Assert.Contains("lost: acknowledged event never-sent is not in the journal of user/u-3", found);
        Assert.Contains("lost: acknowledged event never-sent is not in the journal of video/v-1", found);
        Assert.Contains(found, v => v.StartsWith("state: user/u-3 eventCount", StringComparison.Ordinal));
        Assert.Contains(found, v => v.StartsWith("state: video/v-1 eventCount", StringComparison.Ordinal));
        Assert.Equal(4, found.Count);
    }
}

/// <summary>The sharding scenarios: serial among themselves (each runs several nodes), beside the other collections.</summary>
[CollectionDefinition(Name)]
public sealed class ShardingScenarioCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "sharding-scenarios";
}
