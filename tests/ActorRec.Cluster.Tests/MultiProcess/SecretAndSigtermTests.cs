using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.MultiProcess;

/// <summary>A node with the wrong secret is refused and exits non-zero; SIGTERM is a graceful leave.</summary>
[Collection(MultiProcessCollection.Name)]
public sealed class SecretAndSigtermTests(PostgresServer postgres)
{
    private static readonly TimeSpan Guard = MultiProcessCluster.Guard;

    [Fact]
    public async Task A_node_without_the_secret_cannot_join_and_sigterm_leaves_gracefully()
    {
        await using var cluster = new MultiProcessCluster(await postgres.CreateDatabaseAsync("secret_sigterm"));
        var nodes = await cluster.StartReadyAsync("x", "y");
        var x = nodes[0];
        var y = nodes[1];
        await x.WaitForClusterAsync(s => s.Members.Count(m => m.Status == "up") == 2, Guard, "x and y up");

        // Database access alone is not membership: the intruder's row carries no valid proof of the secret. It can be
        // refused (and exit) before its HTTP front-end listens, so the start does not wait for the address.
        var intruder = await cluster.StartNodeAsync("intruder", secret: "a-different-secret-0123456789", waitListening: false);
        int exit;
        try
        {
            exit = await intruder.Exited.WaitAsync(Guard);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the intruder did not exit within {Guard.TotalSeconds:0}s\n--- intruder ---\n{intruder.Log}\n--- x ---\n{x.Log}\n--- y ---\n{y.Log}");
            throw;
        }

        Assert.Equal(3, exit); // ExitCodes.Downed
        await intruder.WaitForLogAsync("cluster secret is wrong", Guard);
        await x.WaitForClusterAsync(s => s.Members.Any(m => m.Node == "intruder" && m.Status == "down"), Guard, "intruder down");
        var refusedBy = await Task.WhenAny(
            x.WaitForLogAsync("Unauthenticated", Guard),
            y.WaitForLogAsync("Unauthenticated", Guard));
        Assert.Contains("intruder#", await refusedBy, StringComparison.Ordinal);
        Assert.Equal(2, (await x.GetClusterAsync()).Members.Count(m => m.Status == "up"));

        // SIGTERM: leaving -> exiting -> removed, then a clean exit.
        y.Terminate();
        Assert.Equal(0, await y.Exited.WaitAsync(Guard));
        Assert.Contains("starts leaving", y.Log, StringComparison.Ordinal);
        Assert.Contains("MarkExiting on y#", y.Log, StringComparison.Ordinal);
        await x.WaitForClusterAsync(s => s.Members.Any(m => m.Node == "y" && m.Status == "removed"), Guard, "y removed");
        Assert.Equal("up", (await x.GetClusterAsync()).Members.Single(m => m.Node == "x").Status);
    }
}
