using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorRec.Actors.TestKit;
using ActorRec.Server.Admin;
using ActorRec.Server.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Server.Tests.Admin;

public sealed class ShardAdminTests
{
    private const string Token = "admin-token-for-tests-0123456789";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static async Task<TestNode> StartAsync(IShardAdmin? shards, Action<IServiceCollection>? more = null)
    {
        var node = await TestNode.StartAsync(
            services =>
            {
                services.AddSingleton(AdminSettings.Create(Token));
                if (shards is not null)
                {
                    services.AddSingleton(shards);
                }

                more?.Invoke(services);
            },
            endpoints => endpoints.MapClusterAdmin().MapShardAdmin());
        node.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return node;
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, body.GetProperty("field").GetString());
        return body;
    }

    [Theory]
    [InlineData("GET", "/admin/shards")]
    [InlineData("POST", "/admin/shards/rebalance")]
    [InlineData("POST", "/admin/shards/1/move")]
    [InlineData("GET", "/admin/shards/locate/u1")]
    [InlineData("POST", "/admin/cluster/drain/a")]
    public async Task Every_shard_route_needs_the_bearer_token(string method, string path)
    {
        var fake = new FakeShardAdmin();
        await using var node = await StartAsync(fake);
        node.Client.DefaultRequestHeaders.Authorization = null;
        using var response = await node.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        await ProblemAsync(response, HttpStatusCode.Unauthorized, "Authorization");
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public async Task The_shard_map_has_the_contract_shape_for_one_type_or_all()
    {
        var fake = new FakeShardAdmin();
        await using var node = await StartAsync(fake);

        var raw = await node.Client.GetStringAsync("/admin/shards?type=user");
        using var doc = JsonDocument.Parse(raw);
        var shards = doc.RootElement.GetProperty("shards");
        Assert.Equal(4, shards.GetArrayLength());
        var first = shards[1];
        Assert.Equal(1, first.GetProperty("shard").GetInt32());
        Assert.Equal("b", first.GetProperty("node").GetString());
        Assert.Equal(10, first.GetProperty("entities").GetInt32());
        Assert.Equal("user", first.GetProperty("type").GetString());
        Assert.Equal(3, first.GetProperty("epoch").GetInt64());
        Assert.Equal("allocated", first.GetProperty("status").GetString());

        var all = await node.Client.GetFromJsonAsync<ShardListResponse>("/admin/shards");
        Assert.Equal(8, all!.Shards.Count);
        Assert.Equal(["list user", "list user", "list video"], fake.Calls);
    }

    [Fact]
    public async Task Rebalance_move_and_locate_answer_with_the_contract_bodies()
    {
        var fake = new FakeShardAdmin();
        await using var node = await StartAsync(fake);

        using var rebalanced = await node.Client.PostAsync("/admin/shards/rebalance?type=user", null);
        Assert.Equal(HttpStatusCode.OK, rebalanced.StatusCode);
        Assert.Equal("""{"moves":[{"type":"user","shard":3,"from":"a","to":"b"}]}""", await rebalanced.Content.ReadAsStringAsync());

        using var moved = await node.Client.PostAsync("/admin/shards/2/move?type=video", JsonContent.Create(new { node = "b" }));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal("""{"type":"video","shard":2,"from":"a","to":"b"}""", await moved.Content.ReadAsStringAsync());

        var located = await node.Client.GetStringAsync("/admin/shards/locate/u1");
        Assert.Equal("""{"type":"user","entityId":"u1","shard":2,"node":"a","epoch":7}""", located);
        Assert.Equal(["rebalance user", "move video 2 b", "locate user u1"], fake.Calls);
    }

    [Theory]
    [InlineData("GET", "/admin/shards?type=song", null, "type")]
    [InlineData("POST", "/admin/shards/rebalance?type=", null, "type")]
    [InlineData("GET", "/admin/shards/locate/u1?type=users", null, "type")]
    [InlineData("POST", "/admin/shards/1/move?type=clip", """{"node":"a"}""", "type")]
    [InlineData("POST", "/admin/shards/abc/move", """{"node":"a"}""", "shard")]
    [InlineData("POST", "/admin/shards/-1/move", """{"node":"a"}""", "shard")]
    [InlineData("POST", "/admin/shards/4/move", """{"node":"a"}""", "shard")]
    [InlineData("POST", "/admin/shards/1/move", """{"node":""}""", "node")]
    [InlineData("POST", "/admin/shards/1/move", """{}""", "node")]
    [InlineData("POST", "/admin/shards/1/move", """{"node":"zz"}""", "node")]
    [InlineData("POST", "/admin/shards/1/move", """{"node":7}""", "node")]
    [InlineData("POST", "/admin/shards/1/move", """not json""", "body")]
    [InlineData("POST", "/admin/cluster/drain/zz", null, "node")]
    public async Task Bad_input_is_a_400_problem_naming_the_field(string method, string path, string? body, string field)
    {
        await using var node = await StartAsync(new FakeShardAdmin());
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await node.Client.SendAsync(request);
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task A_node_without_sharding_answers_409_not_clustered()
    {
        await using var node = await StartAsync(null);
        using var list = await node.Client.GetAsync("/admin/shards");
        var problem = await ProblemAsync(list, HttpStatusCode.Conflict, "type");
        Assert.Contains("--cluster-postgres", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var drain = await node.Client.PostAsync("/admin/cluster/drain/a", null);
        await ProblemAsync(drain, HttpStatusCode.Conflict, "node");
    }

    [Fact]
    public async Task Drain_answers_202_only_after_the_hand_offs_and_then_asks_the_node_to_leave()
    {
        var fake = new FakeShardAdmin();
        await using var node = await StartAsync(fake);
        var drain = node.Client.PostAsync("/admin/cluster/drain/a", null);
        await fake.DrainStarted.Task.WaitAsync(Guard);
        Assert.False(drain.IsCompleted);
        Assert.DoesNotContain("leave a", fake.Calls);

        fake.DrainGate.SetResult();
        using var response = await drain.WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("""{"node":"a","status":"drained","leaving":true}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(["drain a", "leave a"], fake.Calls);
    }

    [Fact]
    public async Task A_drain_that_outlasts_its_timeout_is_a_504_problem_and_the_node_is_not_asked_to_leave()
    {
        var fake = new FakeShardAdmin();
        var time = new VirtualTimeProvider();
        await using var node = await StartAsync(fake, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton(ShardAdminOptions.Create(TimeSpan.FromSeconds(5)));
        });
        var drain = node.Client.PostAsync("/admin/cluster/drain/b", null);
        await fake.DrainStarted.Task.WaitAsync(Guard);
        time.Advance(TimeSpan.FromSeconds(6));
        using var response = await drain.WaitAsync(Guard);
        var problem = await ProblemAsync(response, HttpStatusCode.GatewayTimeout, "node");
        Assert.Contains("still owns shards", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["drain b"], fake.Calls);
    }
}
