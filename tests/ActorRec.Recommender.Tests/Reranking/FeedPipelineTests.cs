using System.Text.Json;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Tests.Support;

namespace ActorRec.Recommender.Tests.Reranking;

public sealed class FeedPipelineTests
{
    private static readonly DateTimeOffset T = TestWorld.Start;

    private static double ShareOfTopic(TestWorld w, FeedResult feed, int topic) =>
        feed.Items.Count(i => w.Demo[i.VideoId].Topic == topic) / (double)feed.Items.Count;

    [Fact]
    public void Engaging_with_a_topic_makes_that_topic_rise_in_the_next_feed()
    {
        var w = TestWorld.WithDemo(2_000);
        const int topic = 3;
        var before = w.Feed("u1", T, count: 20);
        var shareBefore = ShareOfTopic(w, before, topic);

        var at = T;
        var topicVideos = w.Demo.Values.Where(v => v.Topic == topic).Take(12).ToList();
        foreach (var v in topicVideos)
        {
            at = at.AddSeconds(20);
            w.Apply(w.Event("u1", v.VideoId, InteractionType.View, at, watchMs: v.Upload.DurationMs));
            w.Apply(w.Event("u1", v.VideoId, InteractionType.Like, at));
        }

        var after = w.Feed("u1", at.AddSeconds(5), count: 20);
        var shareAfter = ShareOfTopic(w, after, topic);
        Assert.True(shareAfter >= shareBefore + 0.25, $"topic share {shareBefore:P0} -> {shareAfter:P0}");
        // Nothing the user already watched comes back.
        Assert.DoesNotContain(after.Items, i => topicVideos.Any(v => v.VideoId == i.VideoId));
    }

    [Fact]
    public void Skipping_a_topic_makes_it_sink()
    {
        var w = TestWorld.WithDemo(2_000);
        var at = T;
        const int topic = 5;
        for (var i = 0; i < 8; i++)
        {
            var liked = w.Demo.Values.Where(v => v.Topic == topic).Skip(i).First();
            at = at.AddSeconds(10);
            w.Apply(w.Event("u2", liked.VideoId, InteractionType.View, at, watchMs: liked.Upload.DurationMs));
        }

        var mid = ShareOfTopic(w, w.Feed("u2", at, count: 20), topic);
        foreach (var v in w.Demo.Values.Where(v => v.Topic == topic).Skip(8).Take(20))
        {
            at = at.AddSeconds(3);
            w.Apply(w.Event("u2", v.VideoId, InteractionType.Skip, at));
        }

        var end = ShareOfTopic(w, w.Feed("u2", at, count: 20), topic);
        Assert.True(end < mid, $"topic share {mid:P0} -> {end:P0}");
    }

    [Fact]
    public void Duplicate_event_ids_change_nothing_end_to_end()
    {
        var w = TestWorld.WithDemo(500);
        var e = w.Event("u1", "v7", InteractionType.Like, T, id: "dup");
        Assert.True(w.Apply(e));
        var user = w.User("u1").EmbeddingToArray();
        var video = w.Videos["v7"].Embedding.ToArray();
        var feed = w.Feed("u1", T.AddSeconds(1)).Items.Select(i => i.VideoId).ToList();
        Assert.False(w.Apply(e));
        Assert.Equal(1, w.User("u1").EventCount);
        Assert.Equal(1, w.Videos["v7"].EventCount);
        Assert.Equal(user, w.User("u1").EmbeddingToArray());
        Assert.Equal(video, w.Videos["v7"].Embedding.ToArray());
        Assert.Equal(feed, w.Feed("u1", T.AddSeconds(1)).Items.Select(i => i.VideoId));
    }

    [Fact]
    public void Feed_is_deterministic_and_explains_itself()
    {
        var w = TestWorld.WithDemo(1_000, established: 0.8);
        var a = w.Feed("u9", T, count: 15);
        var b = w.Feed("u9", T, count: 15);
        Assert.Equal(15, a.Items.Count);
        Assert.Equal(a.Items.Select(i => (i.VideoId, i.Score)), b.Items.Select(i => (i.VideoId, i.Score)));
        Assert.Equal(a.Items.Count, a.Items.Select(i => i.VideoId).Distinct().Count());
        Assert.Contains(a.Items, i => i.Adjustments.Any(x => x.Kind == "exploration"));

        var dto = FeedPipeline.ToDto(a, explain: true);
        var json = JsonSerializer.Serialize(dto, FeedJsonContext.Default.FeedResponseDto);
        using var doc = JsonDocument.Parse(json);
        var item = doc.RootElement.GetProperty("items")[0];
        Assert.Equal(a.Items[0].VideoId, item.GetProperty("videoId").GetString());
        Assert.True(item.GetProperty("sources").GetArrayLength() >= 1);
        Assert.True(item.GetProperty("explain").GetProperty("score").TryGetProperty("engage", out _));
        Assert.Equal("u9", doc.RootElement.GetProperty("userId").GetString());
        Assert.DoesNotContain("explain", JsonSerializer.Serialize(FeedPipeline.ToDto(a, explain: false), FeedJsonContext.Default.FeedResponseDto));
    }

    [Fact]
    public void Demo_catalog_is_deterministic()
    {
        var a = DemoCatalog.Generate(new DemoCatalogOptions { Videos = 300 });
        var b = DemoCatalog.Generate(new DemoCatalogOptions { Videos = 300 });
        Assert.Equal(a.Select(v => (v.VideoId, v.Upload.CreatorId, v.Upload.DurationMs, v.Topic, v.Upload.Caption)), b.Select(v => (v.VideoId, v.Upload.CreatorId, v.Upload.DurationMs, v.Topic, v.Upload.Caption)));
        Assert.All(a, v => Assert.InRange(v.Upload.DurationMs, 5_000, 180_000));
        Assert.Equal(DemoCatalog.TopicName(a[0].Topic), a[0].Upload.PrimaryTopic);
        Assert.True(a.Select(v => v.Topic).Distinct().Count() > 20);
    }
}
