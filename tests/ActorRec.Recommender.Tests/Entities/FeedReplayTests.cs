using ActorRec.Persistence.Tooling;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;

namespace ActorRec.Recommender.Tests.Entities;

/// <summary>
/// <see cref="FeedReplay"/> over a journal written by a real <see cref="FeedEngine"/> (TestKit system, virtual time):
/// the feed rebuilt at T is the feed the node served at T (same videos), and changes with the user's events.
/// </summary>
public sealed class FeedReplayTests
{
    private const int Count = 50;

    [Fact]
    public async Task The_feed_replayed_at_two_times_is_the_feed_served_then_and_excludes_what_was_viewed_before()
    {
        await using var node = new EntityNode();
        for (var i = 0; i < 10; i++)
        {
            node.PutVideo($"v{i}", i % 2 == 0 ? "cats" : "cars", creator: $"c{i}");
        }

        node.Kit.Advance(TimeSpan.FromMinutes(1));
        node.Ingest(node.View("e1", "u1", "v0"), node.View("e2", "u1", "v1"));
        var t1 = node.Now;
        var live1 = Ids(node.Feed("u1", Count, region: null).Feed);

        node.Kit.Advance(TimeSpan.FromMinutes(1));
        node.PutVideo("v10", "cats", creator: "c10");
        node.Ingest(node.View("e3", "u1", "v2"), node.View("e4", "u1", "v4"));
        var t2 = node.Now;
        var live2 = Ids(node.Feed("u1", Count, region: null).Feed);

        var registry = EntitySerializers.CreateRegistry();
        var at1 = await FeedReplay.RunAsync(node.Journal, registry, FeedSettings.Default, "user/u1", new ReplayTarget(ToTime: t1), Count);
        var at2 = await FeedReplay.RunAsync(node.Journal, registry, FeedSettings.Default, "user/u1", new ReplayTarget(ToTime: t2), Count);

        Assert.Equal(live1, Ids(at1.Response));
        Assert.Equal(live2, Ids(at2.Response));
        Assert.NotEqual(Ids(at1.Response), Ids(at2.Response));
        Assert.Equal((2L, 2L, 10, 1), (at1.LastSequenceNr, at1.UserEvents, at1.Videos, at1.VideosRegisteredLater));
        Assert.Equal((4L, 11), (at2.UserEvents, at2.Videos));
        Assert.Equal(t1, at1.At);

        // What the user had viewed by T is never in the feed of T; what was viewed later (or registered later) is.
        Assert.DoesNotContain("v0", Ids(at1.Response));
        Assert.DoesNotContain("v1", Ids(at1.Response));
        Assert.Contains("v2", Ids(at1.Response));
        Assert.DoesNotContain("v10", Ids(at1.Response));
        foreach (var seen in new[] { "v0", "v1", "v2", "v4" })
        {
            Assert.DoesNotContain(seen, Ids(at2.Response));
        }

        Assert.Contains("v10", Ids(at2.Response));

        // Explanations: every item names its retrieval paths and score parts.
        Assert.All(at2.Response.Items, item =>
        {
            Assert.NotEmpty(item.Sources);
            Assert.NotNull(item.Explain);
            Assert.Contains("final", item.Explain.Score.Keys);
        });
        Assert.Contains(at2.Defaults, d => d.Contains("ranking model", StringComparison.Ordinal));
        Assert.Contains(at2.Defaults, d => d.Contains("co-engagement", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_node_checkpoint_history_the_replay_ranks_with_the_model_the_node_had_then()
    {
        await using var node = new EntityNode();
        for (var i = 0; i < 10; i++)
        {
            node.PutVideo($"v{i}", i % 2 == 0 ? "cats" : "cars", creator: $"c{i}");
        }

        node.Kit.Advance(TimeSpan.FromMinutes(1));
        for (var u = 0; u < 8; u++)
        {
            node.Ingest(node.View($"w{u}a", $"u{u}", $"v{u}"), node.View($"w{u}b", $"u{u}", $"v{u + 1}", watchMs: 1_000));
        }

        var beforeCheckpoint = node.Now;
        node.Kit.Advance(TimeSpan.FromMinutes(1));
        var dir = Directory.CreateTempSubdirectory("actorrec-replay-ckpt-");
        try
        {
            var checkpointer = new ActorRec.Recommender.Checkpoints.ModelCheckpointer(node.Engine.Pipeline, Path.Combine(dir.FullName, "model-state.ckpt"),
                TimeSpan.FromMinutes(5), node.Kit.Time, history: 4);
            Assert.True(checkpointer.Save());
            var t = node.Now;
            var live = Scores(node.Feed("u1", Count, region: null).Feed);
            var registry = EntitySerializers.CreateRegistry();

            var restored = await FeedReplay.RunAsync(node.Journal, registry, FeedSettings.Default, "user/u1", new ReplayTarget(ToTime: t), Count,
                checkpointHistory: checkpointer.HistoryFolder);
            var initial = await FeedReplay.RunAsync(node.Journal, registry, FeedSettings.Default, "user/u1", new ReplayTarget(ToTime: t), Count);
            var tooEarly = await FeedReplay.RunAsync(node.Journal, registry, FeedSettings.Default, "user/u1", new ReplayTarget(ToTime: beforeCheckpoint), Count,
                checkpointHistory: checkpointer.HistoryFolder);

            // The model the node had at T: the replayed scores are the served ones, and the result names the checkpoint.
            Assert.Equal(live, Scores(restored.Response));
            Assert.Empty(restored.Defaults);
            Assert.Contains(restored.AsOfT, d => d.Contains("node checkpoint captured", StringComparison.Ordinal) && d.Contains(checkpointer.HistoryFolder, StringComparison.Ordinal));

            // Initial weights rank differently (the model learned from the 16 events), and say so.
            Assert.NotEqual(live, Scores(initial.Response));
            Assert.Contains(initial.Defaults, d => d.Contains("ranking model: initial weights", StringComparison.Ordinal));

            // A checkpoint taken after T is never used for T.
            Assert.Contains(tooEarly.Defaults, d => d.Contains("no node checkpoint at or before T", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_sequence_target_replays_the_feed_at_that_event()
    {
        await using var node = new EntityNode();
        for (var i = 0; i < 6; i++)
        {
            node.PutVideo($"v{i}", "cats", creator: $"c{i}");
        }

        node.Kit.Advance(TimeSpan.FromMinutes(1));
        node.Ingest(node.View("e1", "u1", "v0"));
        var t1 = node.Now;
        node.Kit.Advance(TimeSpan.FromMinutes(1));
        node.Ingest(node.View("e2", "u1", "v1"));

        var bySeq = await FeedReplay.RunAsync(node.Journal, EntitySerializers.CreateRegistry(), FeedSettings.Default, "user/u1",
            new ReplayTarget(ToSequenceNr: 1), Count);

        Assert.Equal((1L, 1L), (bySeq.LastSequenceNr, bySeq.UserEvents));
        Assert.Equal(t1, bySeq.At);
        Assert.DoesNotContain("v0", Ids(bySeq.Response));
        Assert.Contains("v1", Ids(bySeq.Response));
    }

    [Fact]
    public async Task Bad_targets_are_clear_errors()
    {
        await using var node = new EntityNode();
        node.PutVideo("v0", "cats");
        var before = node.Now;
        node.Kit.Advance(TimeSpan.FromMinutes(1));
        node.Ingest(node.View("e1", "u1", "v0"));
        var registry = EntitySerializers.CreateRegistry();

        var unknown = await Assert.ThrowsAsync<FeedReplayException>(() =>
            FeedReplay.RunAsync(node.Journal, registry, FeedSettings.Default, "user/nobody", new ReplayTarget()));
        Assert.Contains("no events for 'user/nobody'", unknown.Message, StringComparison.Ordinal);

        var early = await Assert.ThrowsAsync<FeedReplayException>(() =>
            FeedReplay.RunAsync(node.Journal, registry, FeedSettings.Default, "user/u1", new ReplayTarget(ToTime: before)));
        Assert.Contains("'user/u1' has no event at or before", early.Message, StringComparison.Ordinal);
        Assert.Contains("its first event is at", early.Message, StringComparison.Ordinal);

        var video = await Assert.ThrowsAsync<ArgumentException>(() =>
            FeedReplay.RunAsync(node.Journal, registry, FeedSettings.Default, "video/v0", new ReplayTarget()));
        Assert.Contains("needs a user's persistence id", video.Message, StringComparison.Ordinal);
    }

    private static SortedDictionary<string, double> Scores(FeedResponseDto feed)
    {
        var scores = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var item in feed.Items)
        {
            scores[item.VideoId] = item.Score;
        }

        return scores;
    }

    private static string[] Ids(FeedResponseDto feed)
    {
        var ids = new string[feed.Items.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = feed.Items[i].VideoId;
        }

        Array.Sort(ids, StringComparer.Ordinal);
        return ids;
    }
}
