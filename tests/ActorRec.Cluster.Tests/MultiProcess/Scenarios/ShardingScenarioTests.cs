using System.Diagnostics;
using ActorRec.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace ActorRec.Cluster.Tests.MultiProcess.Scenarios;

/// <summary>
/// The four cluster sharding scenarios of issue 8, each on real <c>actorrec serve</c> processes sharing one
/// PostgreSQL database (membership, shard allocation, journal), under event and feed load through random nodes, and
/// each ending with every verifier of <see cref="ScenarioRun.QuiesceAndVerifyAsync"/>: every acknowledged event is in
/// the journal of its user and its video, every entity's live eventCount equals its acknowledged events, no journal
/// fencing violation, no duplicate live entity in the journals or in any shard map sample, and no request that
/// failed without a successful retry (see <see cref="ScenarioAudits"/> for the precise definitions). Bounded in time:
/// every wait has a failure deadline; the kill scenario also asserts the 15 s re-home bound.
/// </summary>
[Collection(ShardingScenarioCollection.Name)]
public sealed class ShardingScenarioTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = MultiProcessCluster.Guard;

    /// <summary>The kill -9 bound of the issue, with the product's default cluster timings.</summary>
    private static readonly TimeSpan RehomeBound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Adding_a_fourth_node_under_load_rebalances_shards_loses_nothing_and_feeds_keep_answering()
    {
        await using var run = await ScenarioRun.StartAsync(postgres, "scen_add", new ScenarioOptions(), ["a", "b", "c"], laterNodes: ["d"]);
        await run.StartLoadAsync(events: 80);
        var feedsBefore = run.Load.Feeds.Succeeded;

        await run.AddNodeAsync("d");
        var balanced = await run.Shards.WaitForAsync(rows => IsBalanced(rows, ["a", "b", "c", "d"]), Guard, "d takes its share of every type");
        run.Mark("rebalanced: " + ShardMapSampler.Describe(balanced));
        await run.LoadMoreAsync(40);
        await run.Load.WaitFeedsAsync(10, Guard);
        Assert.True(run.Load.Feeds.Succeeded > feedsBefore + 10, run.Report());

        run.AssertClean(await run.QuiesceAndVerifyAsync());
        output.WriteLine(run.Report());
    }

    [Fact]
    public async Task Draining_a_node_moves_all_its_shards_loses_nothing_and_no_request_fails_unretried()
    {
        await using var run = await ScenarioRun.StartAsync(postgres, "scen_drain", new ScenarioOptions(), ["a", "b", "c"]);
        await run.StartLoadAsync(events: 80);
        var before = await run.Shards.WaitForAsync(rows => rows.Any(r => r.Node == "b"), Guard, "b owns shards");
        run.Mark($"b owns {before.Count(r => r.Node == "b")} shards before the drain");

        var a = run.Cluster.Nodes.Single(n => n.Name == "a");
        var b = run.Cluster.Nodes.Single(n => n.Name == "b");
        var drain = await MultiProcessCluster.RunCliAsync("cluster", "drain", "b", "--url", a.Url.ToString());
        Assert.True(drain.ExitCode == 0, $"drain exit {drain.ExitCode}: {drain.Error}\n{run.Report(logs: true)}");
        run.Mark("drain command returned");
        var after = await run.Shards.WaitForAsync(rows => rows.All(r => r.Node != "b"), Guard, "b owns no shard");
        run.Mark("after the drain: " + ShardMapSampler.Describe(after));
        Assert.Equal(0, await b.Exited.WaitAsync(Guard));
        run.Mark("b exited");

        await run.LoadMoreAsync(40);
        run.AssertClean(await run.QuiesceAndVerifyAsync());
        output.WriteLine(run.Report());
    }

    [Fact]
    public async Task Kill_9_of_a_node_rehomes_its_shards_within_15_s_with_default_settings_and_loses_nothing()
    {
        // Empty timings and no sharding overrides: the product's default failure detector, membership and sharding settings.
        var defaults = new ScenarioOptions(Timings: "", NumberOfShards: 256, ShardingDefaults: true);
        await using var run = await ScenarioRun.StartAsync(postgres, "scen_kill", defaults, ["a", "b", "c"]);
        await run.StartLoadAsync(events: 80);
        var before = await run.Shards.WaitForAsync(rows => rows.Any(r => r.Node == "c" && r.Type == "user"), Guard, "c owns user shards");
        var victim = run.Cluster.Nodes.Single(n => n.Name == "c");
        var victimShards = before.Where(r => r.Node == "c" && r.Type == "user").Select(r => r.Shard).ToHashSet();
        var victimUsers = run.Users.Where(u => victimShards.Contains(run.Shards.Resolver.ShardOf(u))).ToList();
        run.Mark($"c owns {before.Count(r => r.Node == "c")} shards ({victimUsers.Count} of the users); kill -9");

        var clock = Stopwatch.StartNew();
        victim.Kill();
        var after = await run.Shards.WaitForAsync(rows => rows.All(r => r.Node != "c"), Guard, "c's shards re-homed");
        var moved = clock.Elapsed;
        await ScenarioVerifier.ReadEventCountsAsync(run.Targets, "user", victimUsers, Guard);
        var answering = clock.Elapsed;
        run.Mark($"shards re-homed after {moved.TotalSeconds:0.0}s, every user of c answers after {answering.TotalSeconds:0.0}s: {ShardMapSampler.Describe(after)}");
        Assert.True(answering <= RehomeBound, $"re-homed in {answering.TotalSeconds:0.0}s (bound {RehomeBound.TotalSeconds}s)\n{run.Report(logs: true)}");

        await run.LoadMoreAsync(40);
        run.AssertClean(await run.QuiesceAndVerifyAsync());
        output.WriteLine(run.Report());
    }

    [Fact]
    public async Task A_rolling_restart_of_every_node_under_load_loses_nothing_fences_nothing_and_never_duplicates_an_entity()
    {
        await using var run = await ScenarioRun.StartAsync(postgres, "scen_rolling", new ScenarioOptions(), ["a", "b", "c"]);
        await run.StartLoadAsync(events: 60);
        foreach (var name in new[] { "a", "b", "c" })
        {
            var old = run.Cluster.Nodes.Last(n => n.Name == name);
            run.Unserve(old); // as a load balancer drops a terminating pod; requests already sent to it finish or fail over
            old.Terminate();
            Assert.True(await old.Exited.WaitAsync(Guard) == 0, $"{name} did not stop cleanly on SIGTERM\n{run.Report(logs: true)}");
            run.Mark($"{name} stopped (SIGTERM)");
            await run.AddNodeAsync(name);
            await run.LoadMoreAsync(30);
        }

        var final = await run.Shards.WaitForAsync(rows => rows.All(r => r.Status == "allocated" || r.Node is null), Guard, "no handoff in progress");
        run.Mark("after the restarts: " + ShardMapSampler.Describe(final));
        run.AssertClean(await run.QuiesceAndVerifyAsync());
        output.WriteLine(run.Report());
    }

    /// <summary>Every type's allocated shards spread over <paramref name="nodes"/> within 2 of each other, none moving.</summary>
    private static bool IsBalanced(IReadOnlyList<ShardRow> rows, string[] nodes)
    {
        if (rows.Count == 0 || rows.Any(r => r.Status == "handing-off"))
        {
            return false;
        }

        foreach (var type in rows.GroupBy(r => r.Type))
        {
            var perNode = nodes.Select(n => type.Count(r => r.Node == n && r.Status == "allocated")).ToArray();
            if (perNode.Sum() >= nodes.Length && perNode.Max() - perNode.Min() > 2)
            {
                return false;
            }
        }

        return rows.Any(r => r.Node == nodes[^1]);
    }
}
