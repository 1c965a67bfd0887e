using ActorRec.Actors.TestKit;
using ActorRec.Cluster.Membership;
using ActorRec.Recommender.Entities;
using ActorRec.Server.Sharding;

namespace ActorRec.Server.Tests.Sharding;

/// <summary>
/// The region adapter's routing with fakes for the region and the other nodes: bundles per owning node, re-routing of
/// entries in hand-off inside the deadline, failures naming the part, and asks that fail at once when the node they
/// wait on is lost (connection, unreachable, down). No sleeps: virtual time and task completion sources.
/// </summary>
public sealed class BundledRoutingTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly RoutingSettings Routing = RoutingSettings.Default.WithRetry(RetryPolicy.Create(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400)));

    private static MemberRow Row(string node, MemberStatus status = MemberStatus.Up, long incarnation = 1, Suspicion[]? suspicions = null) =>
        new(node, incarnation, node + ":7000", status, DateTimeOffset.UnixEpoch, [.. suspicions ?? []], [], DateTimeOffset.UnixEpoch);

    private static MembershipSnapshot Members(params MemberRow[] rows) => new(1, [.. rows]);

    /// <summary>Node "a" (this one) with "b" and "c"; shard of "uN" is N; owners by shard, changeable.</summary>
    private sealed class Fixture
    {
        public Fixture(TimeProvider? time = null)
        {
            Watch.SetSelfKey("a#1");
            Watch.OnMembership(Members(Row("a"), Row("b"), Row("c")));
            Region = new ClusterShardRegion("user", id => int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture),
                shard => Owners.TryGetValue(shard, out var o) ? o : (new[] { "a", "b", "c" })[shard % 3], (_, _, _) => { }, Ask, Routing, time, "a", Watch, SendPart);
        }

        public NodeLossWatch Watch { get; } = new("a");

        public Dictionary<int, string?> Owners { get; } = [];

        public ClusterShardRegion Region { get; }

        public List<string> Asked { get; } = [];

        public List<(string Node, EntityBatch Part)> Parts { get; } = [];

        /// <summary>Answers a part; null: the part stays pending.</summary>
        public Func<string, EntityBatch, EntityBatchReply?> AnswerPart { get; set; } = (node, part) => Reply(part, id => (node + ":" + id, null, false));

        /// <summary>Answers a single ask; null: it stays pending.</summary>
        public Func<string, object?> AnswerAsk { get; set; } = id => "direct:" + id;

        public TaskCompletionSource<int> Sent { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static EntityBatchReply Reply(EntityBatch part, Func<string, (object? Reply, string? Error, bool Retryable)> each)
        {
            var results = new EntityBatchResult[part.EntityIds.Count];
            for (var i = 0; i < results.Length; i++)
            {
                var (reply, error, retryable) = each(part.EntityIds[i]);
                results[i] = new EntityBatchResult(reply, error, retryable);
            }

            return new EntityBatchReply(results);
        }

        private Task<object> Ask(string id, object message, TimeSpan timeout)
        {
            lock (Asked)
            {
                Asked.Add(id);
            }

            Sent.TrySetResult(0);
            return AnswerAsk(id) is { } reply ? Task.FromResult(reply) : new TaskCompletionSource<object>().Task;
        }

        private Task<object> SendPart(string node, EntityBatch part, TimeSpan timeout)
        {
            lock (Parts)
            {
                Parts.Add((node, part));
            }

            Sent.TrySetResult(0);
            return AnswerPart(node, part) is { } reply ? Task.FromResult<object>(reply) : new TaskCompletionSource<object>().Task;
        }
    }

    private static (string[] Ids, object[] Messages) Batch(params int[] users) =>
        ([.. users.Select(u => "u" + u)], [.. users.Select(u => (object)("m" + u))]);

    [Fact]
    public async Task One_part_goes_to_each_remote_owner_and_own_entities_are_asked_directly()
    {
        var f = new Fixture(new VirtualTimeProvider());
        var (ids, messages) = Batch(0, 1, 2, 3, 4, 5, 6, 7, 8);
        var replies = await f.Region.AskAll(ids, messages, TimeSpan.FromSeconds(5)).WaitAsync(Guard);

        Assert.Equal(["direct:u0", "b:u1", "c:u2", "direct:u3", "b:u4", "c:u5", "direct:u6", "b:u7", "c:u8"], replies);
        Assert.Equal(["u0", "u3", "u6"], f.Asked);
        var parts = f.Parts.OrderBy(p => p.Node).ToList();
        Assert.Equal(["b", "c"], parts.Select(p => p.Node));
        Assert.Equal(["u1", "u4", "u7"], parts[0].Part.EntityIds);
        Assert.Equal(["m1", "m4", "m7"], parts[0].Part.Messages);
        Assert.Equal("user", parts[0].Part.TypeName);
        Assert.Equal(TimeSpan.FromSeconds(5) - Routing.PartReplyMargin, parts[0].Part.Budget);
        Assert.Equal(2, f.Region.PartsSent);
    }

    [Fact]
    public async Task Without_bundling_every_entity_is_asked_on_its_own()
    {
        var f = new Fixture();
        var region = new ClusterShardRegion("user", id => int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture), _ => "b", (_, _, _) => { },
            (id, _, _) => Task.FromResult<object>("direct:" + id), Routing.WithBundlePerNode(false), null, "a", f.Watch, (_, _, _) => throw new InvalidOperationException("no parts"));
        var (ids, messages) = Batch(1, 4, 7);
        Assert.Equal(["direct:u1", "direct:u4", "direct:u7"], await region.AskAll(ids, messages, TimeSpan.FromSeconds(5)).WaitAsync(Guard));
        Assert.Equal(0, region.PartsSent);
    }

    [Fact]
    public async Task Entries_a_node_reports_in_hand_off_are_sent_again_to_their_new_owner_after_the_back_off()
    {
        var time = new VirtualTimeProvider();
        var f = new Fixture(time);
        f.AnswerPart = (node, part) => Fixture.Reply(part, id => node == "b" && id is "u1" or "u4" ? (null, "shard is handing off", true) : (node + ":" + id, null, false));
        var (ids, messages) = Batch(1, 4, 7, 2, 5);
        var call = f.Region.AskAll(ids, messages, TimeSpan.FromSeconds(5));

        // The shards of u1 and u4 moved to c meanwhile: the retry goes there, as one part, after 100 ms.
        WaitForBackOffTimer(time);
        f.Owners[1] = "c";
        f.Owners[4] = "c";
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(["c:u1", "c:u4", "b:u7", "c:u2", "c:u5"], await call.WaitAsync(Guard));
        Assert.Equal(3, f.Parts.Count);
        Assert.Equal("c", f.Parts[2].Node);
        Assert.Equal(["u1", "u4"], f.Parts[2].Part.EntityIds);
        Assert.Equal(1, f.Region.Retries);
    }

    [Fact]
    public async Task A_part_still_in_hand_off_at_the_deadline_fails_naming_entity_shard_and_node_with_retry_after()
    {
        var time = new VirtualTimeProvider();
        var f = new Fixture(time);
        f.AnswerPart = (node, part) => Fixture.Reply(part, _ => (null, "shard buffer full", true));
        var (ids, messages) = Batch(1, 4);
        var call = f.Region.AskAll(ids, messages, TimeSpan.FromMilliseconds(250));
        WaitForBackOffTimer(time);
        time.Advance(TimeSpan.FromMilliseconds(100));

        // 150 ms left, the next back-off is 200 ms: fail now.
        var error = await Assert.ThrowsAsync<EntityUnavailableException>(() => call.WaitAsync(Guard));
        Assert.Contains("user u1 (shard 1) on node b", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
        Assert.Equal(2, f.Parts.Count);
    }

    [Fact]
    public async Task Any_other_failure_of_an_entry_fails_the_call_at_once_naming_the_part()
    {
        var f = new Fixture(new VirtualTimeProvider());
        f.AnswerPart = (node, part) => Fixture.Reply(part, id => id == "u4" ? (null, "did not answer within 4.8 s", false) : (node + ":" + id, null, false));
        var (ids, messages) = Batch(1, 4, 7);
        var error = await Assert.ThrowsAsync<EntityUnavailableException>(() => f.Region.AskAll(ids, messages, TimeSpan.FromSeconds(5)).WaitAsync(Guard));
        Assert.Equal("user u4 (shard 4) on node b: did not answer within 4.8 s", error.Message);
        Assert.Single(f.Parts);
    }

    [Fact]
    public async Task An_ask_waiting_on_a_node_fails_at_once_when_the_connection_to_it_is_lost_and_later_asks_fail_before_sending()
    {
        var f = new Fixture();
        f.AnswerAsk = _ => null; // b never answers
        var pending = f.Region.Ask("u1", GetState.Instance, TimeSpan.FromMinutes(5));
        await f.Sent.Task.WaitAsync(Guard);
        Assert.False(pending.IsCompleted);

        f.Watch.OnDisconnected("b");
        var error = await Assert.ThrowsAsync<EntityUnavailableException>(() => pending.WaitAsync(Guard));
        Assert.Contains("user u1 (shard 1) lives on node b", error.Message, StringComparison.Ordinal);
        Assert.Contains("the connection to node b was lost", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);

        // While b is lost, an ask for its shards fails before it is sent; c's are unaffected; back once reconnected.
        await Assert.ThrowsAsync<EntityUnavailableException>(() => f.Region.Ask("u4", GetState.Instance, TimeSpan.FromMinutes(5)));
        Assert.Equal(["u1"], f.Asked);
        f.AnswerAsk = id => "direct:" + id;
        Assert.Equal("direct:u2", await f.Region.Ask("u2", GetState.Instance, TimeSpan.FromSeconds(5)).WaitAsync(Guard));
        f.Watch.OnConnected("b");
        Assert.Equal("direct:u4", await f.Region.Ask("u4", GetState.Instance, TimeSpan.FromSeconds(5)).WaitAsync(Guard));
        Assert.Equal(1, f.Watch.Losses);
    }

    [Fact]
    public async Task A_pending_part_fails_at_once_when_membership_marks_its_node_down()
    {
        var f = new Fixture();
        f.AnswerPart = (_, _) => null; // c never answers
        var (ids, messages) = Batch(2, 5);
        var call = f.Region.AskAll(ids, messages, TimeSpan.FromMinutes(5));
        await f.Sent.Task.WaitAsync(Guard);

        f.Watch.OnMembership(Members(Row("a"), Row("b"), Row("c", MemberStatus.Down)));
        var error = await Assert.ThrowsAsync<EntityUnavailableException>(() => call.WaitAsync(Guard));
        Assert.Contains("the user part for node c (2 entities, first u2 of shard 2)", error.Message, StringComparison.Ordinal);
        Assert.Contains("node c is down", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
    }

    [Fact]
    public void A_node_is_lost_while_this_node_suspects_it_and_found_again_as_a_new_incarnation()
    {
        var watch = new NodeLossWatch("a");
        watch.SetSelfKey("a#1");
        watch.OnMembership(Members(Row("a"), Row("b", suspicions: [new Suspicion("c#1", DateTimeOffset.UnixEpoch)]), Row("c")));
        Assert.False(watch.IsLost("b", out _)); // another node's suspicion is not ours
        var signal = watch.LostSignal("b");

        watch.OnMembership(Members(Row("a"), Row("b", suspicions: [new Suspicion("a#1", DateTimeOffset.UnixEpoch)]), Row("c")));
        Assert.True(watch.IsLost("b", out var reason));
        Assert.Equal("node b is unreachable (this node's failure detector suspects it)", reason);
        Assert.True(signal.IsCompletedSuccessfully);

        watch.OnMembership(Members(Row("a"), Row("b", MemberStatus.Down), Row("c")));
        Assert.True(watch.IsLost("b", out reason));
        Assert.StartsWith("node b is down", reason, StringComparison.Ordinal);
        Assert.False(watch.TryGetAddress("b", out _));

        watch.OnMembership(Members(Row("a"), Row("b", MemberStatus.Down), Row("b", incarnation: 2), Row("c")));
        Assert.False(watch.IsLost("b", out _));
        Assert.False(watch.LostSignal("b").IsCompleted);
        Assert.True(watch.TryGetAddress("b", out var address));
        Assert.Equal("b:7000", address);
        Assert.False(watch.IsLost("a", out _));
        Assert.Equal(1, watch.Losses);
    }

    // The adapter arms its back-off right after a round returns, on the thread that ran it.
    private static void WaitForBackOffTimer(VirtualTimeProvider time) =>
        Assert.True(SpinWait.SpinUntil(() => time.ActiveTimers == 1, Guard), "the back-off timer was not armed");
}
