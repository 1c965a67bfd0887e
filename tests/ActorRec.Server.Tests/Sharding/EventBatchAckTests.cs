using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorRec.Actors;
using ActorRec.Cluster.Sharding;
using ActorRec.Persistence;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.InMemory;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Server.Api;
using ActorRec.Server.Sharding;
using ActorRec.Server.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Server.Tests.Sharding;

/// <summary>
/// <c>POST /v1/events</c> over cluster regions: a batch is split by user and by video, each part routed to its
/// entity's owner; 202 only when every part is durable; a part whose shard stays unavailable past the request's
/// deadline fails the request with a 503 problem naming that part; re-sending the batch then applies only what was
/// missing (event ids are idempotent).
/// </summary>
public sealed class EventBatchAckTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Local regions behind the cluster adapter; asks for <see cref="Blocked"/> entities fault as during a hand-off.</summary>
    private sealed class HandOffRegions(ActorSystem system) : IEntityRegionFactory
    {
        public HashSet<string> Blocked { get; } = [];

        public List<ClusterShardRegion> Started { get; } = [];

        public IShardRegion Start(string typeName, EntityProps props)
        {
            var local = new LocalShardRegion(system, typeName, id => props(id, 0, null), TimeSpan.Zero);
            var region = new ClusterShardRegion(typeName, id => id.Length % 4, _ => null, local.Tell, (id, message, timeout) =>
            {
                lock (Blocked)
                {
                    if (Blocked.Contains(typeName + "/" + id))
                    {
                        return Task.FromException<object>(new ShardUnavailableException($"shard {id.Length % 4} of '{typeName}' is handing off"));
                    }
                }

                return local.Ask(id, message, timeout);
            }, RoutingSettings.Default.WithRetry(RetryPolicy.Create(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200))), TimeProvider.System);
            Started.Add(region);
            return region;
        }
    }

    private static InteractionEventDto Like(string id, string user, string video) =>
        new(id, "like", user, video, new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero), 10_000, 15_000);

    [Fact]
    public async Task A_part_that_stays_unavailable_fails_the_batch_with_a_503_naming_it_and_a_resend_completes_it()
    {
        var system = ActorSystem.Create("actorrec");
        var regions = new HandOffRegions(system);
        var runtime = new PersistenceRuntime(new InMemoryJournal(), new InMemorySnapshotStore(), EntitySerializers.CreateRegistry(), PersistenceSettings.Default);
        var entities = EntitySettings.Create(askTimeout: TimeSpan.FromSeconds(2));
        await using var engine = new FeedEngine(system, runtime, FeedSettings.Default, entities, ownsSystem: true, regions: regions);
        await using var node = await TestNode.StartAsync(
            s => s.AddSingleton(engine).AddSingleton(new FeedNodeOptions(FeedSettings.Default, entities, PersistenceSettings.Default)),
            e => e.MapFeedApi(),
            maxBodyBytes: 1 << 20);
        foreach (var v in new[] { "v1", "v2" })
        {
            await engine.PutVideoAsync(v, new VideoUpload("c1", 15_000, ["cats"], "clip", null, "us"));
        }

        lock (regions.Blocked)
        {
            regions.Blocked.Add("user/u-moving");
        }

        var batch = new EventBatchDto([Like("e1", "u-home", "v1"), Like("e2", "u-moving", "v2"), Like("e3", "u-home", "v2")]);
        using var failed = await node.Client.PostAsJsonAsync("/v1/events", batch, Json);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        var problem = await failed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("user u-moving (shard 0)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("1", failed.Headers.RetryAfter?.ToString()); // actorrec.routing.retry-after: clients come back soon
        Assert.True(regions.Started[0].Retries >= 2, $"expected retries within the deadline, saw {regions.Started[0].Retries}");
        // Nothing of the batch reached the videos: they learn only after every user part is durable.
        Assert.Equal(0, (await engine.GetVideoAsync("v1"))!.Likes);

        lock (regions.Blocked)
        {
            regions.Blocked.Clear();
        }

        using var accepted = await node.Client.PostAsJsonAsync("/v1/events", batch, Json);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(2, (await engine.GetUserAsync("u-home"))!.EventCount); // not applied twice
        Assert.Equal(1, (await engine.GetUserAsync("u-moving"))!.EventCount);
        Assert.Equal(1, (await engine.GetVideoAsync("v1"))!.Likes);
        Assert.Equal(2, (await engine.GetVideoAsync("v2"))!.Likes);
    }
}
