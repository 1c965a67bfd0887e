using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.MultiProcess;

/// <summary>
/// Remote actor refs between real <c>actorrec serve</c> processes: each node's <c>GET /admin/cluster</c> reports, for
/// every live member, the round trip of a remote ask to that member's ping actor (its own answer included, so the
/// answer is known to come from that member's incarnation). After kill -9 of a node, its entry has no round trip and
/// says why, and the others still answer.
/// </summary>
[Collection(MultiProcessCollection.Name)]
public sealed class RemoteAskAcrossProcessesTests(PostgresServer postgres)
{
    private static readonly TimeSpan Guard = MultiProcessCluster.Guard;

    [Fact]
    public async Task Every_node_measures_a_remote_ask_to_every_peer_and_a_killed_node_shows_down_without_one()
    {
        await using var cluster = new MultiProcessCluster(await postgres.CreateDatabaseAsync("remote_ask"));
        var nodes = await cluster.StartReadyAsync("r1", "r2", "r3");
        foreach (var node in nodes)
        {
            var view = await node.WaitForClusterAsync(
                s => s.Members.Count(m => m.Status == "up") == 3 && s.Members.All(m => m.RttMs is not null),
                Guard, "three members up, each with a round trip");
            Assert.All(view.Members, m =>
            {
                Assert.True(m.RttMs > 0, $"{m.Node}: rttMs {m.RttMs}");
                Assert.Null(m.RttError);
            });
        }

        var victim = nodes[2];
        victim.Kill();
        foreach (var survivor in nodes[..2])
        {
            var view = await survivor.WaitForClusterAsync(
                s => s.Members.Any(m => m.Node == victim.Name && m.Status == "down"), Guard, $"{victim.Name} down");
            var dead = view.Members.Single(m => m.Node == victim.Name);
            Assert.Null(dead.RttMs);
            Assert.Equal("member is down", dead.RttError);
            Assert.All(view.Members.Where(m => m.Status == "up"), m => Assert.True(m.RttMs > 0, $"{m.Node}: {m.RttError}"));
        }
    }
}
