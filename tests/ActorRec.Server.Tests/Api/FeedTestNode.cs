using System.Net.Http.Json;
using System.Text.Json;
using ActorRec.Persistence;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Server.Api;
using ActorRec.Server.Health;
using ActorRec.Server.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Server.Tests.Api;

/// <summary>A node serving the feed API on the in-memory test server over a SQLite journal in <see cref="DataDir"/>, started and ready.</summary>
internal sealed class FeedTestNode : IAsyncDisposable
{
    private readonly Serilog.Core.Logger _logger;

    private FeedTestNode(WebApplication app, HttpClient client, Serilog.Core.Logger logger, string dataDir, StringWriter log)
    {
        Log = log;
        App = app;
        Client = client;
        _logger = logger;
        DataDir = dataDir;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public string DataDir { get; }

    /// <summary>What the node logged (synchronously).</summary>
    public StringWriter Log { get; }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static async Task<FeedTestNode> StartAsync(string dataDir, long maxBodyBytes = 1 << 20, FeedSettings? feed = null, int demoVideos = 0)
    {
        var settings = ServerSettings.Create("test-node", "127.0.0.1", 0, dataDir, maxBodyBytes, TimeSpan.FromSeconds(30));
        var log = new StringWriter();
        var logger = SerilogSetup.CreateLogger(LoggingSettings.Default with { Async = false }, log);
        var options = new FeedNodeOptions(feed ?? FeedSettings.Default, EntitySettings.Default, PersistenceSettings.Create("sqlite", dataDir), demoVideos);
        var app = ActorRecHost.Build(settings, logger, s => s.AddFeedApi(options), e => e.MapFeedApi(), b => b.WebHost.UseTestServer());
        await app.StartAsync();
        await app.Services.GetRequiredService<ReadinessState>().WhenReady.WaitAsync(TimeSpan.FromSeconds(60));
        return new FeedTestNode(app, app.GetTestClient(), logger, dataDir, log);
    }

    public async Task PutVideoAsync(string videoId, string topic, string creator = "c1", long durationMs = 15_000)
    {
        var response = await Client.PutAsJsonAsync($"/v1/videos/{videoId}",
            new VideoUploadDto(creator, durationMs, [topic], $"{topic} clip", "s1", "US"), Json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public Task<HttpResponseMessage> PostEventsAsync(params InteractionEventDto[] events) =>
        Client.PostAsJsonAsync("/v1/events", new EventBatchDto(events), Json);

    public async Task<T> GetAsync<T>(string path)
    {
        var response = await Client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    public static InteractionEventDto Event(string id, string type, string userId, string videoId, long watchMs = 15_000) =>
        new(id, type, userId, videoId, new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero), watchMs, 15_000, 0, "US", "ios");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await _logger.DisposeAsync();
    }
}
