using ActorRec.Actors;
using ActorRec.Cluster;
using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Singleton;
using ActorRec.Persistence;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.InMemory;
using ActorRec.Persistence.Testing;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Server.Api;
using ActorRec.Server.Sharding;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Server.Tests.Sharding;

/// <summary>
/// Two sharded feed nodes in one process (real loopback transport, shared in-memory stores), as in
/// <see cref="TwoNodeFeedTests"/>: an event batch reaches the other node as one bundled part per entity type, and
/// requests waiting on a node whose transport is cut complete at once with a clear error instead of at their
/// deadline. Waits are on conditions and task completions, bounded by a generous guard (the ask timeout is far longer).
/// </summary>
public sealed class RoutedBatchAndLostNodeTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromMinutes(5);
    private readonly InMemoryMembershipTable _table = new("actorrec");
    private readonly InMemoryLeaseStore _leases = new();
    private readonly InMemorySingletonRunLog _runs = new();
    private readonly InMemoryShardAllocationStore _store = new();
    private readonly InMemoryJournal _journal = new();
    private readonly InMemorySnapshotStore _snapshots = new();
    private readonly List<(ClusterFeedNode Node, FeedEngine Engine, GatedJournal Journal)> _nodes = [];

    private async Task<(ClusterFeedNode Node, FeedEngine Engine, GatedJournal Journal)> StartAsync(string name)
    {
        var system = ActorSystem.Create("actorrec");
        var entities = EntitySettings.Create(askTimeout: AskTimeout);
        var options = new FeedNodeOptions(FeedSettings.Default, entities, PersistenceSettings.Default);
        var node = new ClusterFeedNode(
            system,
            new ClusterSettings
            {
                NodeName = name,
                Hostname = "127.0.0.1",
                BindHost = "127.0.0.1",
                Port = 0,
                Secret = "routed-batch-secret-0123456789",
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
        var journal = new GatedJournal(_journal);
        var engine = node.CreateEngine(new PersistenceRuntime(journal, _snapshots, EntitySerializers.CreateRegistry(), PersistenceSettings.Default));
        _nodes.Add((node, engine, journal));
        await node.Host.StartAsync();
        return (node, engine, journal);
    }

    private async Task<(ClusterFeedNode A, FeedEngine EngineA, ClusterFeedNode B, GatedJournal JournalB, List<string> UsersOnB)> TwoNodesAsync()
    {
        var (a, engineA, _) = await StartAsync("a");
        var (b, engineB, journalB) = await StartAsync("b");
        await UntilAsync(() => a.Host.Node.Membership.Current.Members.Count(m => m.Status == MemberStatus.Up) == 2
            && b.Host.Node.Membership.Current.Members.Count(m => m.Status == MemberStatus.Up) == 2, "both nodes see two members up");
        for (var i = 0; i < 8; i++)
        {
            await engineA.PutVideoAsync("v" + i, new VideoUpload($"creator{i % 3}", 15_000, ["cats"], "clip " + i, null, "us"));
        }

        await UntilAsync(() => engineA.Catalog.Count == 8 && engineB.Catalog.Count == 8, "both catalogs hold the 8 videos");

        // Users are allocated on first use (through a, so a's region learns where each lives).
        var onB = new List<string>();
        for (var i = 0; onB.Count < 3 && i < 200; i++)
        {
            Assert.Null(await engineA.GetUserAsync("u" + i));
            if ((await a.Sharding.LocateAsync("user", "u" + i)).Node == "b")
            {
                onB.Add("u" + i);
            }
        }

        Assert.Equal(3, onB.Count);
        return (a, engineA, b, journalB, onB);
    }

    private static Task UntilAsync(Func<bool> condition, string what) => Until.HoldsAsync(condition, Guard, what);

    private static InteractionEvent Like(string id, string user, int video) =>
        new(id, InteractionType.Like, user, "v" + video, DateTimeOffset.UtcNow, 15_000, 15_000);

    [Fact]
    public async Task A_batch_reaches_the_other_node_as_one_part_per_type_and_a_resend_applies_nothing_twice()
    {
        var (a, engineA, _, _, onB) = await TwoNodesAsync();
        var events = new List<InteractionEvent>();
        for (var i = 0; i < 12; i++)
        {
            events.Add(Like($"e{i}", onB[i % 3], i % 8));
        }

        var users = a.Regions["user"];
        var videos = a.Regions["video"];
        var partsBefore = (users.PartsSent, videos.PartsSent);
        var ingest = await engineA.IngestAsync(events).WaitAsync(Guard);
        Assert.Equal((12, 12), (ingest.Accepted, ingest.Applied));

        // Three users on b: one part. Eight videos on a and b: at most one part (b's videos, when two or more).
        Assert.Equal(partsBefore.Item1 + 1, users.PartsSent);
        Assert.InRange(videos.PartsSent - partsBefore.Item2, 0, 1);
        foreach (var user in onB)
        {
            Assert.Equal(4, (await engineA.GetUserAsync(user))!.EventCount);
        }

        var again = await engineA.IngestAsync(events).WaitAsync(Guard);
        Assert.Equal((12, 0), (again.Accepted, again.Applied));
        Assert.Equal(4, (await engineA.GetUserAsync(onB[0]))!.EventCount);
        Assert.Equal(0, users.Retries);
    }

    [Fact]
    public async Task Requests_waiting_on_a_node_whose_transport_is_cut_fail_at_once_naming_the_node_and_shard()
    {
        var (a, engineA, b, journalB, onB) = await TwoNodesAsync();

        // b's journal holds every write: the requests below are pending on b when its transport is cut.
        journalB.Close();
        var bundled = engineA.IngestAsync([Like("x1", onB[0], 0), Like("x2", onB[1], 1)]);
        var single = engineA.IngestAsync([Like("x3", onB[2], 2)]);
        await journalB.WaitForWritesAsync(["user/" + onB[0], "user/" + onB[1], "user/" + onB[2]]).WaitAsync(Guard);
        Assert.False(bundled.IsCompleted || single.IsCompleted);

        await b.Host.Node.Transport.DisposeAsync();

        // Far inside the five-minute ask timeout: the loss of the connection fails them.
        var part = await Assert.ThrowsAsync<EntityUnavailableException>(() => bundled.WaitAsync(Guard));
        Assert.Contains("the user part for node b (2 entities", part.Message, StringComparison.Ordinal);
        Assert.Contains("the connection to node b was lost", part.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), part.RetryAfter);
        var one = await Assert.ThrowsAsync<EntityUnavailableException>(() => single.WaitAsync(Guard));
        Assert.Contains($"user {onB[2]} (shard {a.Regions["user"].ShardOf(onB[2])}) lives on node b", one.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), one.RetryAfter);

        Assert.True(a.Watch.Losses >= 1);
        journalB.Open();
    }

    [Fact]
    public async Task An_event_naming_a_video_this_node_never_got_a_read_copy_of_reads_it_from_the_journal()
    {
        var (a, engineA, _) = await StartAsync("a");
        await UntilAsync(() => a.Host.Node.Membership.Current.Members.Count(m => m.Status == MemberStatus.Up) == 1, "a is up");
        await engineA.PutVideoAsync("late", new VideoUpload("c1", 15_000, ["cats"], "clip", null, "us"));

        // b joins after the video was published to the members of the time (and loads no journal copies here), as
        // a node does whose publisher had not yet seen it: b has no read copy of the video.
        var (b, engineB, _) = await StartAsync("b");
        await UntilAsync(() => b.Host.Node.Membership.Current.Members.Count(m => m.Status == MemberStatus.Up) == 2, "b sees two members up");
        Assert.False(engineB.Catalog.TryGetRow("late", out _));

        var accepted = await engineB.IngestAsync([new InteractionEvent("m1", InteractionType.Like, "u1", "late", DateTimeOffset.UtcNow, 15_000, 15_000)]).WaitAsync(Guard);
        Assert.Empty(accepted.Errors);
        Assert.Equal((1, 1), (accepted.Accepted, accepted.Applied));
        Assert.True(engineB.Catalog.TryGetRow("late", out _));
        Assert.Equal(1, b.ReadCopies.Fetched);
        Assert.Equal(1, (await engineA.GetVideoAsync("late"))!.EventCount);

        // A video the journal does not have either is still refused, naming the event's field.
        var refused = await engineB.IngestAsync([new InteractionEvent("m2", InteractionType.Like, "u1", "never-registered", DateTimeOffset.UtcNow, 15_000, 15_000)]).WaitAsync(Guard);
        Assert.Equal(0, refused.Accepted);
        var error = Assert.Single(refused.Errors);
        Assert.Equal("events[0].videoId", error.Field);
        Assert.Equal(1, b.ReadCopies.Fetched);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (node, engine, journal) in _nodes)
        {
            journal.Open();
            await node.Host.DisposeAsync();
            await node.Sharding.DisposeAsync();
            await engine.DisposeAsync();
        }
    }
}
