using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Tests.Reranking;

public sealed class LocalFeedEngineTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Uploads_events_feeds_and_wire_forms()
    {
        var engine = new LocalFeedEngine(FeedSettings.Default);
        engine.LoadDemo(new DemoCatalogOptions { Videos = 400, Now = T });
        Assert.True(engine.PutVideo("mine", new VideoUpload("me", 15_000, ["cats"], "my cat", "s1", "US"), T));
        Assert.False(engine.PutVideo("mine", new VideoUpload("me", 16_000, ["cats"], "my cat again", "s1", "US"), T));
        Assert.Equal(401, engine.VideoCount);

        var e = new InteractionEvent("e1", InteractionType.View, "u1", "mine", T, 16_000, 0, 1, "US", "ios");
        Assert.Equal(ApplyOutcome.Applied, engine.Apply(e));
        Assert.Equal(ApplyOutcome.Duplicate, engine.Apply(e));
        Assert.Equal(ApplyOutcome.UnknownVideo, engine.Apply(e with { Id = "e2", VideoId = "nope" }));
        Assert.True(engine.TryGetVideo("mine", out var video));
        var dto = video.ToDto();
        Assert.Equal((1L, 1L, 1L, "test-audience", "approved", 16_000L), (dto.EventCount, dto.Views, dto.Completions, dto.Stage, dto.Moderation, dto.DurationMs));

        var user = engine.User("u1").ToDto(key => engine.Catalog.TryGetRow(key, out var r) ? engine.Catalog.Info(r).VideoId : null);
        Assert.Equal(["mine"], user.RecentVideos);
        Assert.Equal(1, user.EventCount);
        Assert.Equal("ios", user.Device);

        var feed = engine.GetFeed("u1", new FeedRequest(10, null, T.AddSeconds(1)));
        Assert.Equal(10, feed.Items.Count);
        Assert.DoesNotContain(feed.Items, i => i.VideoId == "mine");

        var trending = TrendingReport.Build(new DecayedVelocityTrending(engine.Catalog, engine.Settings), engine.Catalog, "US", T, 5);
        Assert.Equal(5, trending.Items.Count);
        Assert.True(trending.Items[0].Velocity >= trending.Items[^1].Velocity);
    }
}
