using System.Net;
using System.Net.Http.Json;
using ActorRec.Server.Health;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Server.Tests.Hosting;

public sealed class HealthTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Liveness_passes_while_readiness_waits_for_start_up_tasks()
    {
        var gate = new GatedTask();
        await using var node = await TestNode.StartAsync(services => services.AddSingleton<IStartupTask>(gate));
        await gate.Entered.Task.WaitAsync(Guard);

        var live = await node.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var liveBody = await live.Content.ReadFromJsonAsync<HealthResponse>();
        Assert.Equal(new HealthResponse("alive", "test-node", "starting"), liveBody);

        var notReady = await node.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal("starting", (await notReady.Content.ReadFromJsonAsync<HealthResponse>())!.Phase);

        gate.Release.SetResult();
        await node.App.Services.GetRequiredService<ReadinessState>().WhenReady.WaitAsync(Guard);

        var ready = await node.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(new HealthResponse("ready", "test-node", "ready"), await ready.Content.ReadFromJsonAsync<HealthResponse>());
    }

    [Fact]
    public async Task Start_up_tasks_run_in_registration_order()
    {
        var order = new List<string>();
        await using var node = await TestNode.StartAsync(services =>
        {
            services.AddSingleton<IStartupTask>(new RecordingTask("first", order));
            services.AddSingleton<IStartupTask>(new RecordingTask("second", order));
        });
        await node.App.Services.GetRequiredService<ReadinessState>().WhenReady.WaitAsync(Guard);

        Assert.Equal(["first", "second"], order);
        Assert.Contains("Ready after 2 start-up task(s)", node.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_start_up_task_keeps_the_node_unready_and_stops_it()
    {
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = await TestNode.StartAsync(services =>
            services.AddSingleton<IStartupTask>(new FailingTask()));
        node.App.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());

        var readiness = node.App.Services.GetRequiredService<ReadinessState>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => readiness.WhenReady.WaitAsync(Guard));
        Assert.Equal("catalog missing", error.Message);
        await stopping.Task.WaitAsync(Guard);

        var response = await node.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("failed", (await response.Content.ReadFromJsonAsync<HealthResponse>())!.Phase);
        Assert.Contains("Start-up task load-catalog failed", node.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_is_withdrawn_as_soon_as_shutdown_begins()
    {
        await using var node = await TestNode.StartAsync();
        await node.App.Services.GetRequiredService<ReadinessState>().WhenReady.WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.OK, (await node.Client.GetAsync("/readyz")).StatusCode);

        node.App.Lifetime.StopApplication();

        var response = await node.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("stopping", (await response.Content.ReadFromJsonAsync<HealthResponse>())!.Phase);
        Assert.Equal(HttpStatusCode.OK, (await node.Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Root_describes_the_node()
    {
        await using var node = await TestNode.StartAsync();
        var info = await node.Client.GetFromJsonAsync<NodeInfo>("/");
        Assert.Equal("ActorRec", info!.Name);
        Assert.Equal("test-node", info.Node);
        Assert.Equal(ActorRecHost.Version, info.Version);
        Assert.StartsWith("0.1.0", info.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void Readiness_never_goes_back_from_stopping_to_ready()
    {
        var state = new ReadinessState();
        state.MarkStopping();
        Assert.False(state.MarkReady());
        Assert.Equal(ReadinessPhase.Stopping, state.Phase);
        Assert.True(state.WhenReady.IsCanceled);
    }

    private sealed class GatedTask : IStartupTask
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "gated";

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            Entered.SetResult();
            await Release.Task.WaitAsync(cancellationToken);
        }
    }

    private sealed class RecordingTask(string name, List<string> order) : IStartupTask
    {
        public string Name => name;

        public Task RunAsync(CancellationToken cancellationToken)
        {
            order.Add(name);
            return Task.CompletedTask;
        }
    }

    private sealed class FailingTask : IStartupTask
    {
        public string Name => "load-catalog";

        public Task RunAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("catalog missing");
    }
}
