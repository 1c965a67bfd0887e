using System.Diagnostics;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.MultiProcess;

/// <summary>
/// Two nodes with the shipped failure-detector and membership defaults stay up while every core is saturated for
/// 60 seconds. Bounded (about 70 s); trait <c>Category=Soak</c> so CI can select or schedule it deliberately
/// (<c>dotnet test --filter Category=Soak</c>); it runs with the rest of the suite by default.
/// </summary>
[Collection(SoakCollection.Name)]
public sealed class NoFalseDownUnderLoadTests(PostgresServer postgres)
{
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(60);

    [Fact]
    [Trait("Category", "Soak")]
    public async Task No_node_is_declared_down_while_the_cpu_is_saturated_for_a_minute()
    {
        // Empty timings: the product defaults (heartbeat 1s, acceptable pause 3s, down-after 7s, quorum 2).
        await using var cluster = new MultiProcessCluster(await postgres.CreateDatabaseAsync("soak"), timings: "");
        var nodes = await cluster.StartReadyAsync("p", "q");
        await nodes[0].WaitForClusterAsync(s => s.Members.Count(m => m.Status == "up") == 2, MultiProcessCluster.Guard, "p and q up");

        using var stop = new CancellationTokenSource();
        var burners = Enumerable.Range(0, Environment.ProcessorCount * 2).Select(_ => Task.Factory.StartNew(
            () => Burn(stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        var clock = Stopwatch.StartNew();
        var checks = 0;
        try
        {
            using var ticks = new PeriodicTimer(TimeSpan.FromSeconds(2));
            while (clock.Elapsed < LoadDuration && await ticks.WaitForNextTickAsync())
            {
                foreach (var node in nodes)
                {
                    Assert.False(node.HasExited, $"{node.Name} exited under load\n{cluster.Logs()}");
                }

                var seen = await nodes[1].GetClusterAsync();
                Assert.True(seen.Members.All(m => m.Status == "up"), $"false down under load: {NodeProcess.Describe(seen)}\n{cluster.Logs()}");
                checks++;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(burners);
        }

        Assert.True(checks >= 10, $"only {checks} status checks ran in {LoadDuration.TotalSeconds}s");
        var after = await nodes[0].GetClusterAsync();
        Assert.Equal(2, after.Members.Count);
        Assert.All(after.Members, m => Assert.Equal("up", m.Status));
        foreach (var node in nodes)
        {
            Assert.DoesNotContain("DeclareDown", node.Log, StringComparison.Ordinal);
        }
    }

    private static double Burn(CancellationToken stop)
    {
        var x = 1.0;
        while (!stop.IsCancellationRequested)
        {
            for (var i = 0; i < 100_000; i++)
            {
                x = Math.Sqrt(x + i);
            }
        }

        return x;
    }
}
