using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Tests.Support;
using ActorRec.Server.Admin;

namespace ActorRec.Cluster.Tests.MultiProcess;

/// <summary>
/// Real <c>actorrec serve</c> processes against one PostgreSQL database. One scenario per test (starting processes
/// is the expensive part): three nodes join; the admin API and <c>actorrec cluster status</c> show them; the leader
/// singleton moves when its node leaves through <c>actorrec cluster leave</c> and again when the next holder is
/// killed with SIGKILL, which the survivors declare down within the configured time; the run log proves it never
/// ran twice.
/// </summary>
[Collection(MultiProcessCollection.Name)]
public sealed class ClusterLifecycleTests(PostgresServer postgres)
{
    private static readonly TimeSpan Guard = MultiProcessCluster.Guard;

    [Fact]
    public async Task Nodes_join_report_status_and_the_singleton_moves_on_leave_and_on_crash_without_ever_running_twice()
    {
        await using var cluster = new MultiProcessCluster(await postgres.CreateDatabaseAsync("lifecycle"));
        var nodes = await cluster.StartReadyAsync("a", "b", "c");
        var a = nodes[0];
        var status = await a.WaitForClusterAsync(s => s.Members.Count(m => m.Status == "up") == 3 && s.Leader is not null, Guard, "three nodes up with a leader");
        Assert.Equal("a", status.Self);
        Assert.True(status.Clustered);
        Assert.All(status.Members, m => Assert.StartsWith("127.0.0.1:", m.Address, StringComparison.Ordinal));
        Assert.Single(status.Members, m => m.IsSelf);

        await AssertAdminNeedsTheTokenAsync(a.Url);
        await AssertStatusCommandAsync(a.Url);

        // 1. The leader leaves through the CLI, sent to another node: leaving -> exiting -> removed, exit 0.
        var firstLeader = nodes.Single(n => n.Name == status.Leader);
        var firstToken = status.Singletons.Single(s => s.Name == ClusterLeader.SingletonName).Token;
        var other = nodes.First(n => n != firstLeader);
        var leave = await MultiProcessCluster.RunCliAsync("cluster", "leave", firstLeader.Name, "--url", other.Url.ToString());
        Assert.True(leave.ExitCode == 0, leave.Error);
        Assert.Equal(0, await firstLeader.Exited.WaitAsync(Guard));
        await firstLeader.WaitForLogAsync($"MarkExiting on {firstLeader.Name}#", Guard);
        await other.WaitForClusterAsync(s => s.Members.Any(m => m.Node == firstLeader.Name && m.Status == "removed"), Guard, $"{firstLeader.Name} removed");
        var afterLeave = await other.WaitForClusterAsync(
            s => s.Leader is { } l && l != firstLeader.Name && s.Singletons.Single(x => x.Name == ClusterLeader.SingletonName).Token > firstToken,
            Guard, "a new leader with a higher token");
        MultiProcessCluster.AssertNeverRanTwice(await cluster.ReadSingletonRunsAsync(ClusterLeader.SingletonName));

        // 2. The new leader is killed: declared down within down-after + poll-interval; the leader moves again.
        var secondLeader = nodes.Single(n => n.Name == afterLeave.Leader);
        var secondToken = afterLeave.Singletons.Single(s => s.Name == ClusterLeader.SingletonName).Token;
        var survivor = nodes.Single(n => n != firstLeader && n != secondLeader);
        var clock = Stopwatch.StartNew();
        secondLeader.Kill();
        await survivor.WaitForClusterAsync(s => s.Members.Any(m => m.Node == secondLeader.Name && m.Status == "down"), Guard, $"{secondLeader.Name} down");
        var detected = clock.Elapsed;
        // 5s down-after + 0.5s poll (FastTimings), + 1s for this test's own polling and HTTP round trip.
        Assert.True(detected <= TimeSpan.FromSeconds(6.5), $"kill -9 detected after {detected.TotalSeconds:0.0}s\n{cluster.Logs()}");

        var final = await survivor.WaitForClusterAsync(
            s => s.Leader == survivor.Name && s.Singletons.Single(x => x.Name == ClusterLeader.SingletonName).Token > secondToken,
            Guard, "the survivor leads with a higher token");
        var runs = await cluster.ReadSingletonRunsAsync(ClusterLeader.SingletonName);
        MultiProcessCluster.AssertNeverRanTwice(runs);
        Assert.Equal([firstLeader.Name, secondLeader.Name, survivor.Name], runs.Select(r => r.Node).TakeLast(3));
        Assert.NotNull(runs[^3].StoppedAt); // released on leave
        Assert.Null(runs[^2].StoppedAt); // killed: ended by its lease
        Assert.Equal("up", final.Members.Single(m => m.Node == survivor.Name).Status);
        Assert.False(survivor.HasExited);
    }

    private static async Task AssertAdminNeedsTheTokenAsync(Uri node)
    {
        using var anonymous = new HttpClient { BaseAddress = node };
        using var none = await anonymous.GetAsync("/admin/cluster");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MultiProcessCluster.AdminToken + "x");
        using var wrong = await anonymous.GetAsync("/admin/cluster");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var wrongLeave = await anonymous.PostAsync("/admin/cluster/leave/a", null);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongLeave.StatusCode);
    }

    private static async Task AssertStatusCommandAsync(Uri node)
    {
        var table = await MultiProcessCluster.RunCliAsync("cluster", "status", "--url", node.ToString());
        Assert.True(table.ExitCode == 0, table.Error);
        foreach (var name in new[] { "a (self)", "b", "c", "up", "127.0.0.1:", "singleton leader" })
        {
            Assert.Contains(name, table.Output, StringComparison.Ordinal);
        }

        var json = await MultiProcessCluster.RunCliAsync("cluster", "status", "--url", node.ToString(), "--json");
        Assert.True(json.ExitCode == 0, json.Error);
        var parsed = JsonSerializer.Deserialize<ClusterStatusResponse>(json.Output, JsonSerializerOptions.Web)!;
        Assert.Equal("a", parsed.Self);
        Assert.Equal(["a", "b", "c"], parsed.Members.Select(m => m.Node).Order());

        var refused = await MultiProcessCluster.RunCliAsync("cluster", "status", "--url", node.ToString(), "--token", "not-the-token-at-all");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("401", refused.Error, StringComparison.Ordinal);
    }
}
