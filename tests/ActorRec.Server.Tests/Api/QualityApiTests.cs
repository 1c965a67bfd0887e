using System.Net;
using System.Net.Http.Json;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Experiments;
using ActorRec.Recommender.Exploration;

namespace ActorRec.Server.Tests.Api;

/// <summary>The recommendation-quality parts of the served feed, through HTTP: model, cold start, trends, experiments, calibration.</summary>
public sealed class QualityApiTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("actorrec-quality-api-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Settings without exploration and with relevance-only MMR, so a feed's order is the ranker's.</summary>
    private static FeedSettings Plain(FeedSettings? settings = null) => ((settings ?? FeedSettings.Default) with
    {
        Exploration = new ExplorationSettings { Share = 0, NewUserShare = 0 },
        Diversity = new MmrSettings { MmrLambda = 1f },
        Rerank = new RerankSettings { MaxPerCreatorInWindow = 10, MaxPerTopicInWindow = 10 },
    }).Validate();

    [Fact]
    public async Task Likes_on_a_hashtag_teach_the_model_to_lift_its_videos_and_explain_shows_the_task_parts()
    {
        await using var node = await FeedTestNode.StartAsync(_dir.FullName, feed: Plain());
        for (var i = 0; i < 12; i++)
        {
            await PutAsync(node, $"cat{i}", "cats", $"c{i}", "s-cat");
            await PutAsync(node, $"dog{i}", "dogs", $"d{i}", "s-dog");
        }

        var before = await node.GetAsync<FeedResponseDto>("/v1/feed/fresh1?count=24&explain=true");
        Assert.All(before.Items, it => Assert.Equal(0f, it.Explain!.Score["model"]));

        // Other users like cat videos and skip dog videos.
        for (var u = 0; u < 40; u++)
        {
            var cat = $"cat{u % 12}";
            var dog = $"dog{u % 12}";
            Assert.Equal(HttpStatusCode.Accepted, (await node.PostEventsAsync(
                FeedTestNode.Event($"a{u}", "view", $"t{u}", cat),
                FeedTestNode.Event($"b{u}", "like", $"t{u}", cat),
                FeedTestNode.Event($"c{u}", "skip", $"t{u}", dog, watchMs: 500))).StatusCode);
        }

        var after = await node.GetAsync<FeedResponseDto>("/v1/feed/fresh2?count=24&explain=true");
        var cats = after.Items.Where(it => it.VideoId.StartsWith("cat", StringComparison.Ordinal)).ToList();
        var dogs = after.Items.Where(it => it.VideoId.StartsWith("dog", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(cats);
        Assert.NotEmpty(dogs);
        Assert.True(cats.Min(it => it.Explain!.Score["model"]) > dogs.Max(it => it.Explain!.Score["model"]), "every cat video gets a larger model part than every dog video");
        Assert.True(cats.Min(it => Task(it, "like").Prediction) > dogs.Max(it => Task(it, "like").Prediction));
        Assert.True(dogs.Min(it => Task(it, "skip").Prediction) > cats.Max(it => Task(it, "skip").Prediction));
        Assert.All(after.Items.Take(6), it => Assert.StartsWith("cat", it.VideoId, StringComparison.Ordinal));

        // The explanation names every task with its prediction and configured weight.
        var tasks = after.Items[0].Explain!.Tasks!;
        Assert.Equal(["completion", "like", "share", "follow", "skip", "watchRatio"], tasks.Select(t => t.Task));
        var w = FeedSettings.Default.Model.Weights;
        Assert.Equal([w.Completion, w.Like, w.Share, w.Follow, w.Skip, w.WatchRatio], tasks.Select(t => t.Weight));
        Assert.InRange(after.Explain!.IntraListDiversity, 0.0, 2.0);
        Assert.True(after.Explain.IntraListDiversity > 0);

        // Training happened once per trainable event; the held-out calibration covers the impressions.
        var quality = await node.GetAsync<QualityReportDto>("/v1/debug/quality");
        Assert.Equal(120, quality.Model!.Examples);
        Assert.Equal(80, quality.Calibration!.Count);
        Assert.True(quality.Calibration.Buckets.Sum(b => b.Count) == 80);
        Assert.Equal(2, quality.Feeds);

        // Re-sent events are acknowledged, not learned twice.
        await node.PostEventsAsync(FeedTestNode.Event("a0", "view", "t0", "cat0"), FeedTestNode.Event("b0", "like", "t0", "cat0"));
        Assert.Equal(120, (await node.GetAsync<QualityReportDto>("/v1/debug/quality")).Model!.Examples);
    }

    [Fact]
    public async Task A_new_video_climbs_its_promotion_ladder_through_the_engine_or_stops_being_pushed()
    {
        var settings = Plain(FeedSettings.Default with
        {
            Video = FeedSettings.Default.Video with
            {
                Promotion = new PromotionSettings(
                [
                    new PromotionStage("test-audience", 6, 4, 0.5, 0.2),
                    new PromotionStage("pool-small", 12, 6, 0.5, 0.0),
                    new PromotionStage("all", long.MaxValue, long.MaxValue, 0, 0),
                ]),
            },
        });
        await using var node = await FeedTestNode.StartAsync(_dir.FullName, feed: settings);
        await PutAsync(node, "good", "cats", "c1", "s1");
        await PutAsync(node, "bad", "dogs", "c2", "s2");
        for (var i = 0; i < 6; i++)
        {
            await PutAsync(node, $"f{i}", "misc", $"cf{i}", "s3");
        }

        var fresh = (await node.GetAsync<VideoStateDto>("/v1/videos/good")).Promotion!;
        Assert.Equal(("test-audience", 0, 3, "active", 0L, 4L, 6L), (fresh.Stage, fresh.StageIndex, fresh.Stages, fresh.Status, fresh.ImpressionsInStage, fresh.MinImpressions, fresh.PoolSize));
        Assert.Equal((0.5, 0.2), (fresh.MinCompletionRate, fresh.MinShareRate));
        var first = await node.GetAsync<FeedResponseDto>("/v1/feed/newcomer?count=8&explain=true");
        Assert.Contains("new", first.Items.Single(it => it.VideoId == "good").Sources);
        Assert.Contains("new", first.Items.Single(it => it.VideoId == "bad").Sources);

        // The good video is watched to the end and shared by one viewer in its test audience; the bad one is
        // watched to the end too (completion passes) but never shared, so it fails the share threshold.
        for (var u = 0; u < 3; u++)
        {
            await node.PostEventsAsync(
                FeedTestNode.Event($"g{u}", "view", $"viewer{u}", "good"),
                FeedTestNode.Event($"x{u}", "view", $"viewer{u}", "bad"));
        }

        await node.PostEventsAsync(FeedTestNode.Event("gs", "share", "viewer0", "good"));
        var mid = (await node.GetAsync<VideoStateDto>("/v1/videos/good")).Promotion!;
        Assert.Equal(("test-audience", 3L, 1.0, 0.3333), (mid.Stage, mid.ImpressionsInStage, mid.CompletionRate, mid.ShareRate));
        await node.PostEventsAsync(
            FeedTestNode.Event("g3", "view", "viewer3", "good"),
            FeedTestNode.Event("x3", "view", "viewer3", "bad"));

        var good = await node.GetAsync<VideoStateDto>("/v1/videos/good");
        var bad = await node.GetAsync<VideoStateDto>("/v1/videos/bad");
        Assert.Equal(("pool-small", 1, "active", 0L, 6L, 12L), (good.Stage, good.Promotion!.StageIndex, good.Promotion.Status, good.Promotion.ImpressionsInStage, good.Promotion.MinImpressions, good.Promotion.PoolSize));
        Assert.Equal(6L, good.StageLimit);
        Assert.Equal(("test-audience", "stopped", 4L, 0.0, 0.2), (bad.Stage, bad.Promotion!.Status, bad.Promotion.ImpressionsInStage, bad.Promotion.ShareRate, bad.Promotion.MinShareRate));
        Assert.Null(bad.StageLimit);

        // The promoted video is still pushed through the new-videos path (to its larger pool); the stopped one is not.
        var later = await node.GetAsync<FeedResponseDto>("/v1/feed/latecomer?count=8&explain=true");
        Assert.Contains("new", later.Items.Single(it => it.VideoId == "good").Sources);
        Assert.DoesNotContain(later.Items, it => it.VideoId == "bad" && it.Sources.Contains("new"));

        // Passing the pool stage graduates it to "all": served like any video, no longer through the new path.
        for (var u = 0; u < 6; u++)
        {
            await node.PostEventsAsync(FeedTestNode.Event($"h{u}", "view", $"crowd{u}", "good"));
        }

        var graduated = (await node.GetAsync<VideoStateDto>("/v1/videos/good")).Promotion!;
        Assert.Equal(("all", "graduated", (long?)null, 10L), (graduated.Stage, graduated.Status, graduated.MinImpressions, graduated.TotalImpressions));
        var last = await node.GetAsync<FeedResponseDto>("/v1/feed/lastcomer?count=8&explain=true");
        Assert.DoesNotContain(last.Items, it => it.VideoId == "good" && it.Sources.Contains("new"));
    }

    [Fact]
    public async Task Trending_reflects_a_burst_of_engagement_per_region()
    {
        await using var node = await FeedTestNode.StartAsync(_dir.FullName);
        await PutAsync(node, "vb", "burst", "c1", "sound-burst");
        await PutAsync(node, "vq", "quiet", "c2", "sound-quiet");
        Assert.Empty((await node.GetAsync<TrendingDto>("/v1/trending?region=US")).Items);

        var events = new List<InteractionEventDto> { FeedTestNode.Event("q", "view", "someone", "vq") };
        for (var u = 0; u < 10; u++)
        {
            events.Add(FeedTestNode.Event($"v{u}", "view", $"fan{u}", "vb"));
            events.Add(FeedTestNode.Event($"l{u}", "like", $"fan{u}", "vb"));
        }

        Assert.Equal(HttpStatusCode.Accepted, (await node.PostEventsAsync([.. events])).StatusCode);
        var us = await node.GetAsync<TrendingDto>("/v1/trending?region=US");
        Assert.Equal(["vb", "vq"], us.Items.Select(i => i.VideoId));
        Assert.True(us.Items[0].Velocity > 5 * us.Items[1].Velocity);
        Assert.Equal("burst", us.Hashtags![0].Key);
        Assert.Equal("sound-burst", us.Sounds![0].Key);
        Assert.Equal(3600, us.WindowSeconds);
        Assert.Empty((await node.GetAsync<TrendingDto>("/v1/trending?region=BR")).Items);
        Assert.Equal(TrendingDto.FromEvents, us.Source);
    }

    [Fact]
    public async Task A_fresh_demo_node_serves_labelled_catalog_velocity_trending_until_events_arrive()
    {
        await using var node = await FeedTestNode.StartAsync(_dir.FullName, demoVideos: 400);
        var warm = await node.GetAsync<TrendingDto>("/v1/trending?region=US");
        Assert.Equal(TrendingDto.FromCatalogVelocity, warm.Source);
        Assert.NotEmpty(warm.Items);
        Assert.True(warm.Items.Zip(warm.Items.Skip(1)).All(p => p.First.Velocity >= p.Second.Velocity), "best first");

        var video = warm.Items[^1].VideoId;
        Assert.Equal(HttpStatusCode.Accepted, (await node.PostEventsAsync(FeedTestNode.Event("t1", "view", "fan", video))).StatusCode);
        var measured = await node.GetAsync<TrendingDto>("/v1/trending?region=US");
        Assert.Equal(TrendingDto.FromEvents, measured.Source);
        Assert.Equal(video, Assert.Single(measured.Items).VideoId);
    }

    [Fact]
    public async Task Experiments_from_hocon_assign_users_stably_apply_arm_weights_and_measure_arms_from_events()
    {
        var config = ConfigFactory.ParseString("""
            actorrec.feed.experiments {
              like-weight {
                salt = "exp-1"
                arms = [
                  { name = control, share = 0.5, overrides {} }
                  { name = treatment, share = 0.5, overrides { model.weights.like = 8 } }
                ]
              }
            }
            """).WithFallback(ConfigLoader.LoadReferences(typeof(FeedSettings).Assembly)).Resolve();
        await using var node = await FeedTestNode.StartAsync(_dir.FullName, feed: FeedSettingsReader.Read(config));
        for (var i = 0; i < 10; i++)
        {
            await PutAsync(node, $"v{i}", i % 2 == 0 ? "cats" : "dogs", $"c{i}", "s1");
        }

        var list = await node.GetAsync<ExperimentListDto>("/v1/experiments");
        var experiment = Assert.Single(list.Experiments);
        Assert.Equal(("like-weight", "exp-1"), (experiment.Name, experiment.Salt));
        Assert.Equal("8", experiment.Arms[1].Overrides["model.weights.like"]);

        var settings = FeedSettingsReader.Read(config).Experiments[0];
        var users = Enumerable.Range(0, 30).Select(i => $"user{i}").ToList();
        foreach (var user in users.Take(5))
        {
            var a = await node.GetAsync<ExperimentReportDto>($"/v1/experiments/like-weight?userId={user}");
            var b = await node.GetAsync<ExperimentReportDto>($"/v1/experiments/like-weight?userId={user}");
            Assert.Equal(a.AssignedArm, b.AssignedArm);
            Assert.Equal(ExperimentAssigner.Assign(settings, user).Name, a.AssignedArm);
        }

        var events = new List<InteractionEventDto>();
        for (var u = 0; u < users.Count; u++)
        {
            events.Add(FeedTestNode.Event($"view{u}", "view", users[u], $"v{u % 10}"));
            if (u % 3 == 0)
            {
                events.Add(FeedTestNode.Event($"like{u}", "like", users[u], $"v{u % 10}"));
            }
        }

        Assert.Equal(HttpStatusCode.Accepted, (await node.PostEventsAsync([.. events])).StatusCode);
        var report = await node.GetAsync<ExperimentReportDto>("/v1/experiments/like-weight");
        foreach (var arm in report.Arms)
        {
            var members = users.Where(u => ExperimentAssigner.Assign(settings, u).Name == arm.Name).ToList();
            Assert.Equal(members.Count, arm.Impressions);
            Assert.Equal(1.0, arm.CompletionRate.Value);
            Assert.True(arm.CompletionRate.Low < 1.0 && arm.CompletionRate.Low > 0.5, $"Wilson interval of {arm.Name}");
            var likes = members.Count(u => users.IndexOf(u) % 3 == 0);
            Assert.Equal((double)likes / members.Count, arm.LikesPerImpression.Value, 9);
            Assert.Equal(1.0, arm.WatchRatio.Value, 6);
        }

        // The arm's weights drive the served score and are shown in the explanation.
        var treated = users.First(u => ExperimentAssigner.Assign(settings, u).Name == "treatment");
        var control = users.First(u => ExperimentAssigner.Assign(settings, u).Name == "control");
        var tFeed = await node.GetAsync<FeedResponseDto>($"/v1/feed/{treated}?count=3&explain=true");
        var cFeed = await node.GetAsync<FeedResponseDto>($"/v1/feed/{control}?count=3&explain=true");
        Assert.Equal(["like-weight:treatment"], tFeed.Explain!.Arms);
        Assert.Equal(8f, Task(tFeed.Items[0], "like").Weight);
        Assert.Equal(2f, Task(cFeed.Items[0], "like").Weight);
        var withFeeds = await node.GetAsync<ExperimentReportDto>("/v1/experiments/like-weight");
        Assert.Equal(1, withFeeds.Arms.Single(a => a.Name == "treatment").IntraListDiversity.N);

        var missing = await node.Client.GetAsync("/v1/experiments/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Contains("nope", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static TaskPartDto Task(FeedItemDto item, string task) => item.Explain!.Tasks!.Single(t => t.Task == task);

    private static async Task PutAsync(FeedTestNode node, string videoId, string hashtag, string creator, string sound)
    {
        var response = await node.Client.PutAsJsonAsync($"/v1/videos/{videoId}",
            new VideoUploadDto(creator, 15_000, [hashtag], $"{hashtag} clip", sound, "US"), FeedTestNode.Json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
