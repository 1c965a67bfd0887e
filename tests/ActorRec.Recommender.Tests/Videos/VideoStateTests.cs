using System.Numerics.Tensors;
using ActorRec.Persistence.Serialization;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Exploration;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Tests.Videos;

public sealed class VideoStateTests
{
    private static readonly FeedSettings Settings = FeedSettings.Create(video: new VideoStateSettings
    {
        Promotion = new PromotionSettings(
        [
            new PromotionStage("test", 15, 10, 0.5, 0),
            new PromotionStage("pool-1", 30, 10, 0.5, 0.05),
            new PromotionStage("all", long.MaxValue, long.MaxValue, 0, 0),
        ]),
    });
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static VideoUpload Up(string creator, string[] tags, string caption = "", string? sound = null, float[]? content = null) =>
        new(creator, 10_000, tags, caption, sound, "US", content);

    private static InteractionEvent Ev(string id, InteractionType type, long watchMs = 0, DateTimeOffset? at = null) =>
        new(id, type, "u1", "v1", at ?? T, watchMs, 0, 0);

    [Fact]
    public void Content_embedding_is_unit_deterministic_and_groups_shared_features()
    {
        var dim = Settings.EmbeddingDim;
        var a = ContentEmbedder.Embed(Up("c1", ["cats", "funny"], "my cat jumps", "s1"), dim, Settings.Video);
        var a2 = ContentEmbedder.Embed(Up("c1", ["cats", "funny"], "my cat jumps", "s1"), dim, Settings.Video);
        var b = ContentEmbedder.Embed(Up("c2", ["cats"], "sleepy cat", "s9"), dim, Settings.Video);
        var c = ContentEmbedder.Embed(Up("c3", ["cars"], "fast engine", "s5"), dim, Settings.Video);
        Assert.Equal(a, a2);
        Assert.Equal(1f, TensorPrimitives.Norm(a), 4);
        Assert.True(TensorPrimitives.Dot(a, b) > 0.3f, $"shared hashtag: {TensorPrimitives.Dot(a, b)}");
        Assert.True(TensorPrimitives.Dot(a, b) > TensorPrimitives.Dot(a, c) + 0.2f);
    }

    [Fact]
    public void Provided_content_vector_is_normalised_and_used()
    {
        var given = new float[Settings.EmbeddingDim];
        given[3] = 5f;
        var v = new VideoState("v1", Up("c1", ["x"], content: given), T, Settings);
        Assert.Equal(1f, v.Embedding[3]);
        Assert.Equal(1f, v.EmbeddingNorm, 5);
    }

    [Fact]
    public void Counters_watch_ratio_velocity_and_idempotency()
    {
        var v = new VideoState("v1", Up("c1", ["cats"]), T, Settings);
        var user = new float[Settings.EmbeddingDim];
        Assert.True(v.Apply(Ev("e1", InteractionType.View, 10_000), user));
        Assert.True(v.Apply(Ev("e2", InteractionType.View, 5_000), user));
        Assert.True(v.Apply(Ev("e3", InteractionType.Skip), user));
        Assert.True(v.Apply(Ev("e4", InteractionType.Like), user));
        Assert.True(v.Apply(Ev("e5", InteractionType.Share), user));
        Assert.True(v.Apply(Ev("e6", InteractionType.Comment), user));
        var snapshot = (v.Impressions, v.Views, v.Completions, v.Likes, v.Velocity, v.Embedding.ToArray());
        Assert.False(v.Apply(Ev("e4", InteractionType.Like), user));
        Assert.Equal(snapshot.Item5, v.Velocity);
        Assert.Equal(snapshot.Item6, v.Embedding.ToArray());
        Assert.Equal(6, v.EventCount);
        Assert.Equal(3, v.Impressions);
        Assert.Equal(2, v.Views);
        Assert.Equal(1, v.Completions);
        Assert.Equal(1, v.Likes);
        Assert.Equal(1, v.Shares);
        Assert.Equal(1, v.Comments);
        Assert.Equal(1, v.Skips);
        Assert.Equal(0.75f, v.MeanWatchRatio, 5);
        Assert.True(v.Velocity > 0);
        Assert.Equal(v.Velocity / 2, v.VelocityAtTime(T + Settings.Video.VelocityHalfLife), 4);
    }

    [Fact]
    public void Video_embedding_moves_towards_engaged_users()
    {
        var v = new VideoState("v1", Up("c1", ["cats"]), T, Settings);
        var user = v.Embedding.ToArray().Select((x, i) => i % 2 == 0 ? 0.5f : -0.5f).ToArray();
        var before = TensorPrimitives.Dot(v.Embedding, user);
        v.Apply(Ev("e1", InteractionType.Share), user);
        Assert.True(TensorPrimitives.Dot(v.Embedding, user) > before);
    }

    [Fact]
    public void Cold_start_promotes_good_videos_and_stops_bad_ones()
    {
        var user = new float[Settings.EmbeddingDim];
        var good = new VideoState("v1", Up("c1", ["cats"]), T, Settings);
        Assert.Equal("test", good.StageName);
        Assert.True(good.InTestAudience);
        for (var i = 0; i < 10; i++)
        {
            good.Apply(Ev($"g{i}", InteractionType.View, 10_000), user);
        }

        Assert.Equal("pool-1", good.StageName);
        Assert.Equal(10, good.StageLimit);
        Assert.True(good.InPromotionPool);

        // pool-1 also needs shares (5 %): one share, then its ten impressions.
        good.Apply(Ev("gs", InteractionType.Share), user);
        for (var i = 10; i < 20; i++)
        {
            good.Apply(Ev($"g{i}", InteractionType.View, 10_000), user);
        }

        Assert.Equal("all", good.StageName);
        Assert.Equal(PromotionStatus.Graduated, good.Promotion.Status);
        Assert.False(good.InPromotionPool);
        Assert.Null(good.StageLimit);

        var bad = new VideoState("v1", Up("c1", ["cats"]), T, Settings);
        for (var i = 0; i < 10; i++)
        {
            bad.Apply(Ev($"b{i}", InteractionType.Skip), user);
        }

        Assert.Equal("test", bad.StageName);
        Assert.True(bad.StageStopped);
        Assert.False(bad.InTestAudience);
        Assert.False(bad.InPromotionPool);
        Assert.Equal("stopped", bad.ToDto().Promotion!.Status);
    }

    [Fact]
    public void A_pool_stage_without_shares_stops_even_with_full_completion()
    {
        var user = new float[Settings.EmbeddingDim];
        var v = new VideoState("v1", Up("c1", ["cats"]), T, Settings);
        for (var i = 0; i < 20; i++)
        {
            v.Apply(Ev($"g{i}", InteractionType.View, 10_000), user);
        }

        Assert.Equal(("pool-1", true), (v.StageName, v.StageStopped));
        var dto = v.ToDto().Promotion!;
        Assert.Equal((10L, 1.0, 0.0, 0.05, 20L), (dto.ImpressionsInStage, dto.CompletionRate, dto.ShareRate, dto.MinShareRate, dto.TotalImpressions));
    }

    [Fact]
    public void Promotion_counters_survive_a_snapshot_through_the_serializer_and_a_v1_snapshot_still_reads()
    {
        var user = new float[Settings.EmbeddingDim];
        var v = new VideoState("v1", Up("c1", ["cats"]), T, Settings);
        for (var i = 0; i < 13; i++)
        {
            v.Apply(Ev($"g{i}", InteractionType.View, i % 2 == 0 ? 10_000 : 1_000), user);
        }

        v.Apply(Ev("s", InteractionType.Share), user);
        var registry = EntitySerializers.CreateRegistry();
        var payload = registry.Serialize(v.ToSnapshot());
        Assert.Equal(3, payload.Version);
        var back = VideoState.FromSnapshot((VideoSnapshot)registry.Deserialize(payload.Manifest, payload.Version, payload.Bytes), Settings);
        Assert.Equal(v.Promotion.Counters, back.Promotion.Counters);
        Assert.Equal(new PromotionCounters(1, PromotionStatus.Active, 3, 2, 1, 13), back.Promotion.Counters);

        // A v1 payload is the v3 layout without the trailing seconds (an empty array: 4 bytes) and counters: it reads
        // as the stage it recorded.
        var withoutSeconds = registry.Serialize(v.ToSnapshot() with { AppliedSeconds = [] });
        var v1 = new SerializedPayload(payload.Manifest, 1, withoutSeconds.Bytes[..^(4 + 1 + 4 + 1 + 32)]);
        var legacy = VideoState.FromSnapshot((VideoSnapshot)registry.Deserialize(v1.Manifest, v1.Version, v1.Bytes), Settings);
        Assert.Equal(("pool-1", PromotionStatus.Active, 13L), (legacy.StageName, legacy.Promotion.Status, legacy.Promotion.Counters.TotalImpressions));
    }

    [Fact]
    public void Seeded_history_places_a_video_on_the_ladder()
    {
        var good = new VideoState("v1", Up("c1", ["cats"]), T, Settings);
        good.SeedHistory(25, 25, 20, 3, 2, 0.8f, 1f, T);
        Assert.Equal(("all", PromotionStatus.Graduated), (good.StageName, good.Promotion.Status));

        var mid = new VideoState("v2", Up("c1", ["cats"]), T, Settings);
        mid.SeedHistory(14, 14, 10, 1, 0, 0.8f, 1f, T);
        Assert.Equal(new PromotionCounters(1, PromotionStatus.Active, 4, 3, 0, 14), mid.Promotion.Counters);

        var bad = new VideoState("v3", Up("c1", ["cats"]), T, Settings);
        bad.SeedHistory(100, 100, 10, 1, 0, 0.1f, 1f, T);
        Assert.Equal(("test", PromotionStatus.Stopped), (bad.StageName, bad.Promotion.Status));
    }

    [Fact]
    public void Event_for_another_video_is_rejected()
    {
        var v = new VideoState("v1", Up("c1", ["cats"]), T, Settings);
        Assert.Throws<ArgumentException>(() => v.Apply(Ev("e", InteractionType.Like) with { VideoId = "v2" }, new float[Settings.EmbeddingDim]));
    }
}
