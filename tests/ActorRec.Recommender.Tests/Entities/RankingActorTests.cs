using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Tests.Entities;

public sealed class RankingActorTests
{
    [Fact]
    public async Task Requests_within_the_window_are_scored_in_one_batch_when_the_window_elapses()
    {
        var settings = FeedSettings.Default with { Ranking = FeedSettings.Default.Ranking with { FlushWhenIdle = false } };
        await using var node = new EntityNode(settings: settings);
        for (var i = 0; i < 20; i++)
        {
            node.PutVideo($"v{i}", i % 2 == 0 ? "cats" : "dogs", $"c{i}");
        }

        var probe = node.Kit.CreateTestProbe();
        var ranker = node.Engine.Rankers[0];
        for (var u = 0; u < 3; u++)
        {
            probe.Send(ranker, new RankFeed(Retrieve(node, $"u{u}"), new FeedRequest(5, "US", node.Now)));
        }

        node.Kit.AwaitIdle();
        Assert.Equal(0, probe.PendingCount);

        node.Kit.Advance(node.Engine.Settings.Ranking.BatchWindow);
        var replies = probe.ReceiveN(3);

        Assert.All(replies, r => Assert.Equal(5, Assert.IsType<FeedResult>(r).Items.Count));
        probe.Send(ranker, GetRankingStats.Instance);
        Assert.Equal(new RankingStats(1, 3), probe.ExpectMsg<RankingStats>());
    }

    [Fact]
    public async Task With_flush_when_idle_a_lone_request_is_scored_without_waiting_for_the_window()
    {
        await using var node = new EntityNode();
        Assert.True(node.Engine.Settings.Ranking.FlushWhenIdle);
        for (var i = 0; i < 20; i++)
        {
            node.PutVideo($"v{i}", i % 2 == 0 ? "cats" : "dogs", $"c{i}");
        }

        var probe = node.Kit.CreateTestProbe();
        var ranker = node.Engine.Rankers[0];
        var before = node.Now;
        probe.Send(ranker, new RankFeed(Retrieve(node, "u1"), new FeedRequest(5, "US", node.Now)));

        // Virtual time does not move in this test: only the marker behind the request can have flushed the batch.
        Assert.Equal(5, probe.ExpectMsg<FeedResult>().Items.Count);
        Assert.Equal(before, node.Now);
        probe.Send(ranker, GetRankingStats.Instance);
        Assert.Equal(new RankingStats(1, 1), probe.ExpectMsg<RankingStats>());
    }

    [Fact]
    public async Task With_flush_when_idle_every_request_is_answered_once_and_batches_never_exceed_the_requests()
    {
        await using var node = new EntityNode();
        for (var i = 0; i < 20; i++)
        {
            node.PutVideo($"v{i}", i % 2 == 0 ? "cats" : "dogs", $"c{i}");
        }

        var probe = node.Kit.CreateTestProbe();
        var ranker = node.Engine.Rankers[0];
        for (var u = 0; u < 6; u++)
        {
            probe.Send(ranker, new RankFeed(Retrieve(node, $"u{u}"), new FeedRequest(4, "US", node.Now)));
        }

        var users = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reply in probe.ReceiveN(6))
        {
            Assert.True(users.Add(Assert.IsType<FeedResult>(reply).UserId));
        }

        probe.Send(ranker, GetRankingStats.Instance);
        var stats = probe.ExpectMsg<RankingStats>();
        Assert.Equal(6, stats.Requests);
        Assert.InRange(stats.Batches, 1, 6);
    }

    [Fact]
    public async Task A_full_batch_is_scored_at_once_without_waiting_for_the_window()
    {
        var settings = FeedSettings.Default with { Ranking = FeedSettings.Default.Ranking with { MaxBatch = 2, FlushWhenIdle = false } };
        await using var node = new EntityNode(settings: settings);
        for (var i = 0; i < 10; i++)
        {
            node.PutVideo($"v{i}", "cats", $"c{i}");
        }

        var probe = node.Kit.CreateTestProbe();
        var ranker = node.Engine.Rankers[0];
        probe.Send(ranker, new RankFeed(Retrieve(node, "a"), new FeedRequest(3, "US", node.Now)));
        probe.Send(ranker, new RankFeed(Retrieve(node, "b"), new FeedRequest(3, "US", node.Now)));

        var replies = probe.ReceiveN(2);
        Assert.Equal("a", Assert.IsType<FeedResult>(replies[0]).UserId);
        Assert.Equal("b", Assert.IsType<FeedResult>(replies[1]).UserId);
        probe.Send(ranker, GetRankingStats.Instance);
        Assert.Equal(new RankingStats(1, 2), probe.ExpectMsg<RankingStats>());
    }

    [Fact]
    public async Task Feeds_through_the_engine_leave_out_videos_the_user_viewed()
    {
        await using var node = new EntityNode();
        for (var i = 0; i < 30; i++)
        {
            node.PutVideo($"v{i}", (i % 3) switch { 0 => "cats", 1 => "dogs", _ => "cooking" }, $"c{i}");
        }

        var first = node.Feed("u1", explain: true).Feed;
        var viewed = first.Items[0].VideoId;
        node.Ingest(node.View("e1", "u1", viewed));

        var next = node.Feed("u1", explain: true).Feed;
        Assert.DoesNotContain(next.Items, it => it.VideoId == viewed);
        Assert.NotEmpty(next.Items);
    }

    private static CandidateSet Retrieve(EntityNode node, string userId) =>
        (CandidateSet)node.Await(node.Engine.Users.Ask(userId, new RetrieveCandidates(new FeedRequest(5, "US", node.Now)), TimeSpan.FromSeconds(10)));
}
