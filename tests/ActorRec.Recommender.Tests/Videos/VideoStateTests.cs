using System.Numerics.Tensors;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Tests.Videos;

public sealed class VideoStateTests
{
    private static readonly FeedSettings Settings = FeedSettings.Create(video: new VideoStateSettings { StageImpressions = [10, 20] });
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
        Assert.Equal(20, good.StageLimit);
        for (var i = 10; i < 20; i++)
        {
            good.Apply(Ev($"g{i}", InteractionType.View, 10_000), user);
        }

        Assert.Equal("all", good.StageName);

        var bad = new VideoState("v1", Up("c1", ["cats"]), T, Settings);
        for (var i = 0; i < 10; i++)
        {
            bad.Apply(Ev($"b{i}", InteractionType.Skip), user);
        }

        Assert.Equal("stopped", bad.StageName);
        Assert.False(bad.InTestAudience);
    }

    [Fact]
    public void Event_for_another_video_is_rejected()
    {
        var v = new VideoState("v1", Up("c1", ["cats"]), T, Settings);
        Assert.Throws<ArgumentException>(() => v.Apply(Ev("e", InteractionType.Like) with { VideoId = "v2" }, new float[Settings.EmbeddingDim]));
    }
}
