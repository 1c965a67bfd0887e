using ActorRec.Actors.TestKit;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Exploration;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Tests.Exploration;

/// <summary>The promotion ladder and the trending fallback as the served pipeline uses them.</summary>
public sealed class PromotionServingTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static FeedSettings Ladder(long pool, long judgeAt) => (FeedSettings.Default with
    {
        Video = FeedSettings.Default.Video with
        {
            Promotion = new PromotionSettings(
            [
                new PromotionStage("test-audience", pool, judgeAt, 0.5, 0),
                new PromotionStage("pool-2", 100, 50, 0.5, 0),
                new PromotionStage("all", long.MaxValue, long.MaxValue, 0, 0),
            ]),
        },
        Exploration = new ExplorationSettings { Share = 0, NewUserShare = 0 },
        Rerank = new RerankSettings { MaxPerCreatorInWindow = 10, MaxPerTopicInWindow = 10 },
    }).Validate();

    private static bool PushedAsNew(FeedResult feed, string videoId) =>
        feed.Items.Any(i => i.VideoId == videoId && (i.Sources & RetrievalSource.ColdStart) != 0);

    [Fact]
    public void A_stage_whose_pool_of_placements_is_used_up_is_not_pushed_until_it_is_judged_then_the_next_pool_opens()
    {
        var engine = new LocalFeedEngine(Ladder(pool: 3, judgeAt: 3));
        engine.PutVideo("fresh", new VideoUpload("c0", 15_000, ["cats"], "cat clip", "s1", "US"), T);
        for (var i = 0; i < 5; i++)
        {
            engine.PutVideo($"f{i}", new VideoUpload($"c{i + 1}", 15_000, ["misc"], "clip", "s2", "US"), T);
        }

        Assert.True(engine.Catalog.TryGetRow("fresh", out var row));
        for (var u = 0; u < 3; u++)
        {
            Assert.True(PushedAsNew(engine.GetFeed($"u{u}", new FeedRequest(6, "US", T)), "fresh"), $"placement {u + 1} of 3");
        }

        Assert.Equal(3, engine.Catalog.PlacementsInStage(row));
        Assert.False(engine.Catalog.HasPoolLeft(row));
        Assert.False(PushedAsNew(engine.GetFeed("u3", new FeedRequest(6, "US", T)), "fresh"));

        // Its three viewers watch it to the end: judged, promoted, and the next stage's pool opens.
        for (var u = 0; u < 3; u++)
        {
            Assert.Equal(ApplyOutcome.Applied, engine.Apply(new InteractionEvent($"e{u}", InteractionType.View, $"u{u}", "fresh", T, 15_000, 15_000, 0, "US", "ios")));
        }

        Assert.True(engine.TryGetVideo("fresh", out var video));
        Assert.Equal(("pool-2", PromotionStatus.Active), (video.StageName, video.Promotion.Status));
        Assert.Equal(0, engine.Catalog.PlacementsInStage(row));
        Assert.True(PushedAsNew(engine.GetFeed("u4", new FeedRequest(6, "US", T)), "fresh"));
    }

    [Fact]
    public void A_video_that_fails_its_test_audience_leaves_the_new_path_for_good()
    {
        var engine = new LocalFeedEngine(Ladder(pool: 50, judgeAt: 2));
        engine.PutVideo("dull", new VideoUpload("c0", 15_000, ["cats"], "cat clip", "s1", "US"), T);
        Assert.True(PushedAsNew(engine.GetFeed("u0", new FeedRequest(6, "US", T)), "dull"));
        engine.Apply(new InteractionEvent("s0", InteractionType.Skip, "u0", "dull", T, 300, 15_000, 0, "US", "ios"));
        engine.Apply(new InteractionEvent("s1", InteractionType.Skip, "u1", "dull", T, 300, 15_000, 0, "US", "ios"));

        Assert.True(engine.TryGetVideo("dull", out var video));
        Assert.Equal(PromotionStatus.Stopped, video.Promotion.Status);
        Assert.Empty(engine.Catalog.ColdStartRows());
        for (var u = 2; u < 6; u++)
        {
            Assert.False(PushedAsNew(engine.GetFeed($"u{u}", new FeedRequest(6, "US", T)), "dull"));
        }
    }

    [Fact]
    public void Trending_falls_back_to_labelled_catalog_velocity_until_events_of_the_region_arrive()
    {
        var clock = new VirtualTimeProvider(T);
        var settings = FeedSettings.Default;
        var pipeline = FeedPipeline.CreateDefault(settings, out var catalog, clock);
        Assert.Empty(pipeline.Trending("US").Items);

        foreach (var v in DemoCatalog.Generate(new DemoCatalogOptions { Videos = 300, Now = T }))
        {
            catalog.Upsert(DemoCatalog.CreateState(v, settings));
        }

        // The catalog ranking is cached for trending-refresh.
        clock.Advance(settings.Retrieval.TrendingRefresh);

        var warm = pipeline.Trending("US");
        Assert.Equal(TrendingDto.FromCatalogVelocity, warm.Source);
        Assert.Equal(settings.Trends.Top, warm.Items.Count);
        Assert.True(warm.Items.Zip(warm.Items.Skip(1)).All(p => p.First.Velocity >= p.Second.Velocity), "best first");
        Assert.All(warm.Items, i => Assert.True(catalog.TryGetRow(i.VideoId, out var r) && catalog.Info(r).Region is "US" or ""));

        // One engaged view in the region: the sketches now answer, labelled as events.
        var last = warm.Items[^1].VideoId;
        Assert.True(catalog.TryGetRow(last, out var row));
        var e = new InteractionEvent("e1", InteractionType.View, "u1", last, T, 15_000, 15_000, 0, "US", "ios");
        pipeline.Quality.Observe(e, row, new float[settings.EmbeddingDim], catalog);
        var measured = pipeline.Trending("US");
        Assert.Equal(TrendingDto.FromEvents, measured.Source);
        Assert.Equal(last, Assert.Single(measured.Items).VideoId);

        // Another region still has no events: it keeps the labelled fallback.
        Assert.Equal(TrendingDto.FromCatalogVelocity, pipeline.Trending("GB").Source);
    }
}
