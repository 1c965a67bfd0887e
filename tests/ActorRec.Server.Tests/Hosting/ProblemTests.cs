using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorRec.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ActorRec.Server.Tests.Hosting;

public sealed class ProblemTests
{
    internal static void MapTestEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/test/manual", async (HttpRequest request) =>
            Results.Ok(await ApiRequests.ReadJsonAsync<EchoBody>(request)));
        endpoints.MapPost("/test/bound", (EchoBody body) => Results.Ok(body));
        endpoints.MapPost("/test/validate", (EchoBody body) =>
            body.Count < 0 ? throw new ApiProblemException("count", "must not be negative") : Results.Ok(body));
        endpoints.MapPost("/test/helper", () => ApiProblems.InvalidField("events[0].type", "unknown type 'x'"));
        endpoints.MapGet("/test/crash", IResult () => throw new InvalidOperationException("secret internals"));
    }

    [Fact]
    public async Task A_well_formed_body_is_accepted()
    {
        await using var node = await TestNode.StartAsync(endpoints: MapTestEndpoints);
        var response = await node.Client.PostAsJsonAsync("/test/manual", new EchoBody("a", 2));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new EchoBody("a", 2), await response.Content.ReadFromJsonAsync<EchoBody>());
    }

    [Theory]
    [InlineData("/test/manual", """{"name":"a","count":"many"}""", "count")]
    [InlineData("/test/bound", """{"name":"a","count":"many"}""", "count")]
    [InlineData("/test/manual", """{"name":"a","count":1""", "count")]
    [InlineData("/test/manual", "not json", "body")]
    [InlineData("/test/bound", "not json", "body")]
    [InlineData("/test/manual", "null", "body")]
    [InlineData("/test/validate", """{"name":"a","count":-1}""", "count")]
    public async Task Client_mistakes_are_400_problems_naming_the_field(string path, string body, string field)
    {
        await using var node = await TestNode.StartAsync(endpoints: MapTestEndpoints);
        var response = await node.Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.StartsWith(ApiProblems.TypeBase, problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task The_helper_writes_problem_json_with_the_field()
    {
        await using var node = await TestNode.StartAsync(endpoints: MapTestEndpoints);
        var problem = await ReadProblemAsync(await node.Client.PostAsync("/test/helper", null), HttpStatusCode.BadRequest);
        Assert.Equal("events[0].type", problem.GetProperty("field").GetString());
        Assert.Equal("unknown type 'x'", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_declared_body_over_the_limit_is_413_before_the_endpoint_runs()
    {
        await using var node = await TestNode.StartAsync(endpoints: MapTestEndpoints, maxBodyBytes: 64);
        var body = JsonSerializer.Serialize(new EchoBody(new string('x', 100), 1));
        var problem = await ReadProblemAsync(
            await node.Client.PostAsync("/test/manual", new StringContent(body, Encoding.UTF8, "application/json")),
            HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("body", problem.GetProperty("field").GetString());
        Assert.Contains("64 bytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/test/manual")]
    [InlineData("/test/bound")]
    public async Task A_chunked_body_over_the_limit_is_413(string path)
    {
        await using var node = await TestNode.StartAsync(endpoints: MapTestEndpoints, maxBodyBytes: 64);
        var body = JsonSerializer.Serialize(new EchoBody(new string('x', 5000), 1));
        var problem = await ReadProblemAsync(await node.Client.PostAsync(path, new UnsizedContent(body)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("body", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        await using var node = await TestNode.StartAsync();
        var response = await node.Client.GetAsync("/no/such/thing");
        var problem = await ReadProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_server_bug_is_a_500_problem_that_does_not_leak_internals()
    {
        await using var node = await TestNode.StartAsync(endpoints: MapTestEndpoints);
        var response = await node.Client.GetAsync("/test/crash");
        var problem = await ReadProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.DoesNotContain("secret internals", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("secret internals", node.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_paths_become_field_names()
    {
        Assert.Equal("events[0].watchMs", ApiProblems.FieldFromJsonPath("$.events[0].watchMs"));
        Assert.Equal("[2]", ApiProblems.FieldFromJsonPath("$[2]"));
        Assert.Null(ApiProblems.FieldFromJsonPath("$"));
        Assert.Null(ApiProblems.FieldFromJsonPath(null));
    }

    [Fact]
    public void Problem_exceptions_must_carry_a_client_status()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ApiProblemException("f", "d", 500));
        Assert.Throws<ArgumentException>(() => new ApiProblemException(" ", "d"));
    }

    internal static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    internal sealed record EchoBody(string Name, int Count);

    /// <summary>Content without a Content-Length, so the body is sent chunked and only counting can catch it.</summary>
    internal sealed class UnsizedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnsizedContent(string text)
        {
            _bytes = Encoding.UTF8.GetBytes(text);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
