using ActorRec.Actors;
using ActorRec.Cluster;
using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Singleton;
using ActorRec.Persistence;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.InMemory;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Server.Api;
using ActorRec.Server.Sharding;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Server.Tests.Sharding;

/// <summary>
/// Two sharded feed nodes in one process, wired as <c>actorrec serve --cluster-postgres</c> wires them
/// (<see cref="ClusterFeedNode"/>), sharing in-memory membership, lease, allocation and journal stores; real loopback
/// transport and clock. Waits are on conditions, bounded by a generous guard.
/// </summary>
public sealed class TwoNodeFeedTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly InMemoryMembershipTable _table = new("actorrec");
    private readonly InMemoryLeaseStore _leases = new();
    private readonly InMemorySingletonRunLog _runs = new();
    private readonly InMemoryShardAllocationStore _store = new();
    private readonly InMemoryJournal _journal = new();
    private readonly InMemorySnapshotStore _snapshots = new();
    private readonly List<(ClusterFeedNode Node, FeedEngine Engine)> _nodes = [];

    private async Task<(ClusterFeedNode Node, FeedEngine Engine)> StartAsync(string name)
    {
        var system = ActorSystem.Create("actorrec");
        var options = new FeedNodeOptions(FeedSettings.Default, EntitySettings.Default, PersistenceSettings.Default);
        var node = new ClusterFeedNode(
            system,
            new ClusterSettings
            {
                NodeName = name,
                Hostname = "127.0.0.1",
                BindHost = "127.0.0.1",
                Port = 0,
                Secret = "two-node-feed-secret-0123456789",
                HeartbeatInterval = TimeSpan.FromMilliseconds(100),
                FirstHeartbeatEstimate = TimeSpan.FromMilliseconds(100),
                MinStdDeviation = TimeSpan.FromMilliseconds(100),
                AcceptableHeartbeatPause = TimeSpan.FromSeconds(3),
                PollInterval = TimeSpan.FromMilliseconds(100),
                DownAfter = TimeSpan.FromSeconds(5),
                LeaseDuration = TimeSpan.FromSeconds(3),
            },
            ShardingSettings.Create(numberOfShards: 16),
            options,
            NullLoggerFactory.Instance,
            _store,
            configureHost: o => o with { Table = _table, Leases = _leases, RunLog = _runs });
        var engine = node.CreateEngine(new PersistenceRuntime(_journal, _snapshots, EntitySerializers.CreateRegistry(), PersistenceSettings.Default));
        _nodes.Add((node, engine));
        await node.Host.StartAsync();
        return (node, engine);
    }

    private static Task UntilAsync(Func<Task<bool>> condition, string what) => Until.HoldsAsync(condition, Guard, what);

    private static Task UntilAsync(Func<bool> condition, string what) => Until.HoldsAsync(condition, Guard, what);

    private static VideoUpload Upload(int i) => new($"creator{i % 3}", 15_000, [i % 2 == 0 ? "cats" : "dogs"], "clip " + i, null, "us");

    [Fact]
    public async Task Feeds_and_event_batches_are_served_through_the_node_that_does_not_own_the_user()
    {
        var (a, engineA) = await StartAsync("a");
        var (b, engineB) = await StartAsync("b");
        await UntilAsync(() => a.Host.Node.Membership.Current.Members.Count(m => m.Status == MemberStatus.Up) == 2
            && b.Host.Node.Membership.Current.Members.Count(m => m.Status == MemberStatus.Up) == 2, "both nodes see two members up");

        // Videos registered through a: each goes to its owner (a or b); both nodes end up with a read copy of all.
        for (var i = 0; i < 24; i++)
        {
            Assert.True((await engineA.PutVideoAsync("v" + i, Upload(i))).Created);
        }

        await UntilAsync(() => engineA.Catalog.Count == 24 && engineB.Catalog.Count == 24, "both catalogs hold the 24 videos");
        var videoOwners = new HashSet<string?>();
        for (var i = 0; i < 24; i++)
        {
            videoOwners.Add((await a.Sharding.LocateAsync("video", "v" + i)).Node);
        }

        Assert.Equal(["a", "b"], videoOwners.Order());

        // A user whose shard b owns (users are allocated on first use; the coordinator spreads shards fewest-first).
        string? user = null;
        for (var i = 0; user is null && i < 64; i++)
        {
            Assert.Null(await engineA.GetUserAsync("u" + i));
            if ((await a.Sharding.LocateAsync("user", "u" + i)).Node == "b")
            {
                user = "u" + i;
            }
        }

        Assert.NotNull(user);

        // An event batch through a, for b's user and for videos of both owners: acknowledged once all of it is durable.
        var at = DateTimeOffset.UtcNow;
        var events = new List<InteractionEvent>();
        for (var i = 0; i < 6; i++)
        {
            events.Add(new InteractionEvent($"{user}-e{i}", InteractionType.Like, user, "v" + i, at.AddSeconds(i), 15_000, 15_000));
        }

        var ingest = await engineA.IngestAsync(events);
        Assert.True(ingest.IsValid);
        Assert.Equal((6, 6), (ingest.Accepted, ingest.Applied));

        // Event ids stay idempotent across nodes: the same batch through b applies nothing again.
        var again = await engineB.IngestAsync(events);
        Assert.Equal((6, 0), (again.Accepted, again.Applied));

        // The user's state lives on b, read through either node; the feed through a reflects the six events.
        Assert.Equal(6, (await engineA.GetUserAsync(user))!.EventCount);
        Assert.Equal(6, (await engineB.GetUserAsync(user))!.EventCount);
        var feed = await engineA.GetVersionedFeedAsync(user, 10, "us", explain: false);
        Assert.Equal(6, feed.StateVersion);
        Assert.Equal(user, feed.Feed.UserId);
        Assert.NotEmpty(feed.Feed.Items);
        Assert.All(feed.Feed.Items, item => Assert.True(engineA.Catalog.TryGetRow(item.VideoId, out _)));

        // The videos learned from the events on their owners, and the owners' changes reached the other copy.
        var video = (await engineB.GetVideoAsync("v0"))!;
        Assert.Equal(1, video.Likes);
        var v0Owner = (await a.Sharding.LocateAsync("video", "v0")).Node;
        var copy = v0Owner == "a" ? engineB : engineA;
        await UntilAsync(() => copy.Catalog.TryGetRow("v0", out var row) && copy.Catalog.Stats(row, at, TimeSpan.FromHours(1)).Velocity > 0,
            "the like on v0 reached the read copy on the node that does not own v0");
        Assert.True(a.ReadCopies.Published + b.ReadCopies.Published >= 24 + 6);
        Assert.Equal(0, a.Regions["user"].Retries + b.Regions["user"].Retries);
    }

    [Fact]
    public async Task A_node_that_starts_later_loads_a_full_read_copy_from_the_shared_journal()
    {
        var (a, engineA) = await StartAsync("a");
        for (var i = 0; i < 10; i++)
        {
            await engineA.PutVideoAsync("v" + i, Upload(i));
        }

        var (b, engineB) = await StartAsync("b");
        Assert.Equal(10, await b.ReadCopies.LoadAsync(engineB.Runtime, CancellationToken.None));
        Assert.Equal(10, engineB.Catalog.Count);
        Assert.True(engineB.Catalog.TryGetRow("v7", out var row));
        Assert.Equal("creator1", engineB.Catalog.Info(row).CreatorId);
        Assert.Equal(0, a.ReadCopies.Published); // a was alone: nobody to publish to
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (node, engine) in _nodes)
        {
            await node.Host.DisposeAsync();
            await node.Sharding.DisposeAsync();
            await engine.DisposeAsync();
        }
    }
}
