using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ActorRec.Cluster;
using ActorRec.Cluster.Hosting;
using ActorRec.Hocon.Settings;
using ActorRec.Server.Admin;
using ActorRec.Server.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Server.Tests.Admin;

public sealed class ClusterAdminTests
{
    private const string Token = "admin-token-for-tests-0123456789";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static Task<TestNode> StartAsync(AdminSettings admin, ClusterHost? cluster = null) => TestNode.StartAsync(
        services =>
        {
            services.AddSingleton(admin);
            if (cluster is not null)
            {
                services.AddClusterHost(cluster);
            }
        },
        endpoints => endpoints.MapClusterAdmin());

    [Fact]
    public async Task Admin_requests_without_the_right_bearer_token_get_401_problem_json()
    {
        await using var node = await StartAsync(AdminSettings.Create(Token));

        using var none = await node.Client.GetAsync("/admin/cluster");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/admin/cluster");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token[..^1]);
        using var refused = await node.Client.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("wrong", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var leave = await node.Client.PostAsync("/admin/cluster/leave/test-node", null);
        Assert.Equal(HttpStatusCode.Unauthorized, leave.StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_token_the_admin_api_refuses_everything()
    {
        await using var node = await StartAsync(AdminSettings.Disabled);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/cluster");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "");
        using var response = await node.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(AdminSettings.TokenEnvironmentVariable, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_that_runs_alone_reports_itself_as_the_only_member()
    {
        await using var node = await StartAsync(AdminSettings.Create(Token));
        node.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var status = await node.Client.GetFromJsonAsync<ClusterStatusResponse>("/admin/cluster");
        Assert.False(status!.Clustered);
        Assert.Equal("test-node", status.Self);
        var self = Assert.Single(status.Members);
        Assert.Equal(("test-node", "up", true), (self.Node, self.Status, self.IsSelf));

        using var leave = await node.Client.PostAsync("/admin/cluster/leave/test-node", null);
        Assert.Equal(HttpStatusCode.Conflict, leave.StatusCode);
    }

    [Fact]
    public async Task A_clustered_node_reports_members_and_leader_and_leaves_on_request()
    {
        var settings = new ClusterSettings
        {
            NodeName = "test-node",
            BindHost = "127.0.0.1",
            Port = 0,
            Secret = "admin-test-cluster-secret-0123",
            PollInterval = TimeSpan.FromMilliseconds(100),
            LeaseDuration = TimeSpan.FromSeconds(30), // long: a late renewal under CI load must not expire the lease (the test asserts token 1)
        };
        var leader = new ClusterLeader(NullLogger.Instance);
        var cluster = new ClusterHost(settings, new ClusterHostOptions { Singletons = [leader.Definition] });
        await using var node = await StartAsync(AdminSettings.Create(Token), cluster);
        node.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        var status = await WaitAsync(node.Client, s => s.Leader == "test-node" && s.Members.Any(m => m.IsSelf && m.Status == "up"));
        Assert.True(status.Clustered);
        var self = Assert.Single(status.Members);
        Assert.Equal(("test-node", "up", true), (self.Node, self.Status, self.IsSelf));
        Assert.StartsWith("127.0.0.1:", self.Address, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(status.Singletons).Token);
        Assert.True(leader.IsLeader);

        using var unknown = await node.Client.PostAsync("/admin/cluster/leave/nobody", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var leave = await node.Client.PostAsync("/admin/cluster/leave/test-node", null);
        Assert.Equal(HttpStatusCode.Accepted, leave.StatusCode);
        var exit = await cluster.Exited.WaitAsync(Guard);
        Assert.Equal(ClusterExitKind.Left, exit.Kind);
        Assert.False(leader.IsLeader); // the singleton stopped before the node left
    }

    [Fact]
    public void A_short_admin_token_is_refused_naming_the_key()
    {
        var error = Assert.Throws<SettingsException>(() => AdminSettings.Create("short"));
        Assert.Equal("actorrec.admin.token", error.Path);
        Assert.True(AdminSettings.Create("").Enabled is false);
    }

    private static async Task<ClusterStatusResponse> WaitAsync(HttpClient client, Func<ClusterStatusResponse, bool> match)
    {
        var deadline = DateTime.UtcNow + Guard;
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        ClusterStatusResponse? last = null;
        do
        {
            last = await client.GetFromJsonAsync<ClusterStatusResponse>("/admin/cluster");
            if (last is not null && match(last))
            {
                return last;
            }
        }
        while (DateTime.UtcNow < deadline && await ticks.WaitForNextTickAsync());

        throw new TimeoutException("cluster status never matched; last leader: " + last?.Leader);
    }
}
