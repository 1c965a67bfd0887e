using ActorRec.Actors;
using ActorRec.Cluster;
using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Sharding;
using ActorRec.Cluster.Singleton;
using ActorRec.Persistence;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.InMemory;
using ActorRec.Persistence.Journal;
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

    /// <summary>A journal whose writes wait while it is closed; reads, fences and the rest pass through.</summary>
    private sealed class GatedJournal(IJournal inner) : IJournal
    {
        private readonly Lock _gate = new();
        private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);
        private TaskCompletionSource _open = Opened();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Close()
        {
            lock (_gate)
            {
                if (_open.Task.IsCompleted)
                {
                    _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }

        public void Open()
        {
            lock (_gate)
            {
                _open.TrySetResult();
            }
        }

        /// <summary>Completes when a write of every one of <paramref name="persistenceIds"/> is held.</summary>
        public async Task WaitForWritesAsync(IReadOnlyCollection<string> persistenceIds)
        {
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (persistenceIds.All(_waiting.Contains))
                    {
                        return;
                    }

                    changed = _changed.Task;
                }

                await changed.ConfigureAwait(false);
            }
        }

        public async Task WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default)
        {
            await HoldAsync([write]).ConfigureAwait(false);
            await inner.WriteAsync(write, cancellationToken).ConfigureAwait(false);
        }

        public async Task<IReadOnlyList<Exception?>> WriteBatchAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
        {
            await HoldAsync(writes).ConfigureAwait(false);
            return await inner.WriteBatchAsync(writes, cancellationToken).ConfigureAwait(false);
        }

        public IAsyncEnumerable<PersistentRepr> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, CancellationToken cancellationToken = default) =>
            inner.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max, cancellationToken);

        public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default) =>
            inner.ReadHighestSequenceNrAsync(persistenceId, cancellationToken);

        public Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default) =>
            inner.DeleteToAsync(persistenceId, toSequenceNr, cancellationToken);

        public IAsyncEnumerable<PersistentRepr> CurrentEventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr,
            CancellationToken cancellationToken = default) => inner.CurrentEventsByPersistenceIdAsync(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken);

        public IAsyncEnumerable<PersistentRepr> EventsByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr,
            CancellationToken cancellationToken = default) => inner.EventsByPersistenceIdAsync(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken);

        public IAsyncEnumerable<PersistentRepr> CurrentAllEventsAsync(long afterOffset, CancellationToken cancellationToken = default) =>
            inner.CurrentAllEventsAsync(afterOffset, cancellationToken);

        public IAsyncEnumerable<PersistentRepr> AllEventsAsync(long afterOffset, CancellationToken cancellationToken = default) =>
            inner.AllEventsAsync(afterOffset, cancellationToken);

        public IAsyncEnumerable<string> CurrentPersistenceIdsAsync(CancellationToken cancellationToken = default) => inner.CurrentPersistenceIdsAsync(cancellationToken);

        public IAsyncEnumerable<PersistentRepr> ScanRowsAsync(long afterOffset, CancellationToken cancellationToken = default) =>
            inner.ScanRowsAsync(afterOffset, cancellationToken);

        public Task<long> ReadHighestOffsetAsync(CancellationToken cancellationToken = default) => inner.ReadHighestOffsetAsync(cancellationToken);

        public Task FenceAsync(string fenceKey, long epoch, CancellationToken cancellationToken = default) => inner.FenceAsync(fenceKey, epoch, cancellationToken);

        public Task<long> ReadFenceEpochAsync(string fenceKey, CancellationToken cancellationToken = default) => inner.ReadFenceEpochAsync(fenceKey, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private static TaskCompletionSource Opened()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }

        private Task HoldAsync(IReadOnlyList<AtomicWrite> writes)
        {
            TaskCompletionSource changed;
            Task open;
            lock (_gate)
            {
                open = _open.Task;
                if (open.IsCompleted)
                {
                    return Task.CompletedTask;
                }

                foreach (var w in writes)
                {
                    _waiting.Add(w.PersistenceId);
                }

                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
            return open;
        }
    }
}
