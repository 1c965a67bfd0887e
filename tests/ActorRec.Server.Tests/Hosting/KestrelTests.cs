using System.Net;
using System.Text.Json;
using ActorRec.Server.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Server.Tests.Hosting;

/// <summary>The same host on real Kestrel, on a loopback port the OS picks.</summary>
public sealed class KestrelTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Kestrel_serves_health_on_an_ephemeral_port_and_enforces_the_body_limit()
    {
        await using var node = await TestNode.StartAsync(endpoints: ProblemTests.MapTestEndpoints, kestrel: true, maxBodyBytes: 64);
        var uri = node.Client.BaseAddress!;
        Assert.Equal("127.0.0.1", uri.Host);
        Assert.NotEqual(0, uri.Port);
        Assert.Contains($"listening on {uri.ToString().TrimEnd('/')}", node.Log.ToString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await node.Client.GetAsync("/healthz")).StatusCode);
        await node.App.Services.GetRequiredService<ReadinessState>().WhenReady.WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.OK, (await node.Client.GetAsync("/readyz")).StatusCode);

        var body = JsonSerializer.Serialize(new ProblemTests.EchoBody(new string('x', 5000), 1));
        var chunked = await node.Client.PostAsync("/test/manual", new ProblemTests.UnsizedContent(body));
        var problem = await ProblemTests.ReadProblemAsync(chunked, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("body", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Shutdown_withdraws_readiness_and_lets_in_flight_requests_finish()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = await TestNode.StartAsync(kestrel: true, endpoints: endpoints =>
            endpoints.MapGet("/slow", async () =>
            {
                entered.SetResult();
                await release.Task;
                return Results.Text("done");
            }));
        var readiness = node.App.Services.GetRequiredService<ReadinessState>();
        await readiness.WhenReady.WaitAsync(Guard);

        var inFlight = node.Client.GetAsync("/slow");
        await entered.Task.WaitAsync(Guard);
        var stopping = node.App.StopAsync();

        Assert.Equal(ReadinessPhase.Stopping, readiness.Phase);
        Assert.False(stopping.IsCompleted);
        release.SetResult();

        var response = await inFlight.WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("done", await response.Content.ReadAsStringAsync());
        await stopping.WaitAsync(Guard);
    }
}
