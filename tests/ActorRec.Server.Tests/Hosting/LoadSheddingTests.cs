using System.Net;
using System.Text.Json;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Server.Tests.Hosting;

/// <summary>The node's in-flight bound (actorrec.http.max-in-flight): beyond it, 503 + Retry-After at once.</summary>
public sealed class LoadSheddingTests
{
    [Fact]
    public async Task A_request_over_the_bound_gets_503_with_retry_after_and_a_problem_and_admission_resumes_when_one_finishes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = await TestNode.StartAsync(
            endpoints: e => e.MapGet("/v1/slow", async () =>
            {
                entered.TrySetResult();
                await gate.Task;
                return Results.Text("done");
            }),
            configure: s => s.WithLoadShedding(1, TimeSpan.FromSeconds(3)));

        var first = node.Client.GetAsync("/v1/slow");
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using (var shed = await node.Client.GetAsync("/v1/slow"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(3), shed.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", shed.Content.Headers.ContentType?.MediaType);
            using var body = JsonDocument.Parse(await shed.Content.ReadAsStringAsync());
            Assert.Equal(ApiProblems.TypeBase + "overloaded", body.RootElement.GetProperty("type").GetString());
            Assert.Equal(503, body.RootElement.GetProperty("status").GetInt32());
            Assert.Equal("The node is overloaded", body.RootElement.GetProperty("title").GetString());
            Assert.Equal("more than 1 requests are in flight on this node; retry after 3 s", body.RootElement.GetProperty("detail").GetString());
            Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("traceId").GetString()));
        }

        // Health endpoints are never shed: an orchestrator must still see the node.
        using (var health = await node.Client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var gauge = node.App.Services.GetRequiredService<InFlightGauge>();
        Assert.Equal(1, gauge.Shed);
        Assert.Equal(1, gauge.InFlight);

        gate.SetResult();
        using (var done = await first)
        {
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        }

        using var again = await node.Client.GetAsync("/v1/slow");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(0, gauge.InFlight);
    }

    [Fact]
    public void The_precomputed_overloaded_body_is_the_problem_with_the_trace_id_appended()
    {
        var prefix = LoadSheddingMiddleware.OverloadedPrefix(256, "1");
        var text = System.Text.Encoding.UTF8.GetString(prefix) + "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}";
        using var body = JsonDocument.Parse(text);
        Assert.Equal(ApiProblems.TypeBase + "overloaded", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(503, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("more than 256 requests are in flight on this node; retry after 1 s", body.RootElement.GetProperty("detail").GetString());
        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", body.RootElement.GetProperty("traceId").GetString());

        Assert.True(LoadSheddingMiddleware.IsPlainJsonText("0HN7:00000001"));
        Assert.False(LoadSheddingMiddleware.IsPlainJsonText("a\"b"));
        Assert.False(LoadSheddingMiddleware.IsPlainJsonText("a\\b"));
        Assert.False(LoadSheddingMiddleware.IsPlainJsonText("caf\u00e9"));
    }

    [Fact]
    public async Task Zero_turns_the_bound_off()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = 0;
        var bothIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = await TestNode.StartAsync(
            endpoints: e => e.MapGet("/v1/slow", async () =>
            {
                if (Interlocked.Increment(ref entered) == 2)
                {
                    bothIn.TrySetResult();
                }

                await gate.Task;
                return Results.Text("done");
            }),
            configure: s => s.WithLoadShedding(0, TimeSpan.FromSeconds(1)));

        var a = node.Client.GetAsync("/v1/slow");
        var b = node.Client.GetAsync("/v1/slow");
        await bothIn.Task.WaitAsync(TimeSpan.FromSeconds(30));
        gate.SetResult();
        using var ra = await a;
        using var rb = await b;
        Assert.Equal(HttpStatusCode.OK, ra.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rb.StatusCode);
    }

    [Theory]
    [InlineData("actorrec.http.max-in-flight", "-1")]
    [InlineData("actorrec.http.max-in-flight", "many")]
    [InlineData("actorrec.http.retry-after", "0s")]
    public void A_bad_value_names_its_path(string key, string value)
    {
        var config = ConfigLoader.Load(ConfigFactory.ParseString($"{key} = {value}"), new Dictionary<string, string>(), typeof(ActorRecHost).Assembly);
        var ex = Assert.Throws<SettingsException>(() => ServerSettings.Create(config));
        Assert.Equal(key, ex.Path);
    }

    [Fact]
    public void Reference_conf_gives_the_code_defaults_of_the_bound()
    {
        var config = ConfigLoader.Load(ConfigFactory.ParseString(""), new Dictionary<string, string>(), typeof(ActorRecHost).Assembly);
        var settings = ServerSettings.Create(config);
        Assert.Equal(ServerSettings.Default.MaxInFlight, settings.MaxInFlight);
        Assert.Equal(ServerSettings.Default.RetryAfter, settings.RetryAfter);
        Assert.Equal(256, settings.MaxInFlight);
    }
}
