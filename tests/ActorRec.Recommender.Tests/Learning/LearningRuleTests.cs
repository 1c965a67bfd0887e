using System.Numerics.Tensors;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Learning;

namespace ActorRec.Recommender.Tests.Learning;

public sealed class LearningRuleTests
{
    private static readonly LearningSettings S = new();
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static InteractionEvent Ev(InteractionType type, long watchMs = 0, long durationMs = 10_000, int replays = 0) =>
        new("e", type, "u", "v", T, watchMs, durationMs, replays);

    private static float[] Vec(int seed, int dim = 16, float scale = 0.3f)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, dim).Select(_ => (float)(r.NextDouble() - 0.5) * scale).ToArray();
    }

    [Fact]
    public void Watch_ratio_completion_and_replays()
    {
        var half = EngagementSignal.From(Ev(InteractionType.View, 5_000), 0, S);
        Assert.Equal(0.5f, half.WatchRatio, 5);
        Assert.False(half.Completed);
        Assert.True(half.IsPositive);

        var full = EngagementSignal.From(Ev(InteractionType.View, 9_500), 0, S);
        Assert.True(full.Completed);
        var replayed = EngagementSignal.From(Ev(InteractionType.View, 25_000, replays: 2), 0, S);
        Assert.True(replayed.Completed);
        Assert.Equal(2.5f, replayed.WatchRatio, 5);
        Assert.True(replayed.Weight > full.Weight);
        Assert.True(full.Weight > half.Weight);

        var replayOnly = EngagementSignal.From(Ev(InteractionType.View, 3_000, replays: 1), 0, S);
        Assert.True(replayOnly.Completed);

        // The event gave no duration: the video's own length is used.
        var fromVideo = EngagementSignal.From(Ev(InteractionType.View, 5_000, durationMs: 0), 20_000, S);
        Assert.Equal(0.25f, fromVideo.WatchRatio, 5);

        var shortView = EngagementSignal.From(Ev(InteractionType.View, 500), 0, S);
        Assert.False(shortView.IsPositive);

        var absurd = EngagementSignal.From(Ev(InteractionType.View, long.MaxValue / 2, replays: 10_000), 0, S);
        Assert.True(float.IsFinite(absurd.Weight) && absurd.Weight <= S.MaxEventWeight);
        Assert.Equal(1f + S.MaxReplaysCounted, absurd.WatchRatio);
    }

    [Fact]
    public void Label_weights_are_ordered()
    {
        float W(InteractionType t) => EngagementSignal.From(Ev(t), 0, S).Weight;
        var completion = EngagementSignal.From(Ev(InteractionType.View, 10_000), 0, S).Weight;
        Assert.True(completion < W(InteractionType.Like));
        Assert.True(W(InteractionType.Like) < W(InteractionType.Comment));
        Assert.True(W(InteractionType.Comment) < W(InteractionType.Share));
        Assert.True(W(InteractionType.Share) < W(InteractionType.Follow));
        Assert.True(W(InteractionType.Skip) < W(InteractionType.NotInterested));
        foreach (var t in new[] { InteractionType.Like, InteractionType.Comment, InteractionType.Share, InteractionType.Follow })
        {
            Assert.True(EngagementSignal.From(Ev(t), 0, S).IsPositive);
        }

        Assert.False(EngagementSignal.From(Ev(InteractionType.Skip), 0, S).IsPositive);
        Assert.False(EngagementSignal.From(Ev(InteractionType.NotInterested), 0, S).IsPositive);
    }

    [Theory]
    [InlineData(InteractionType.Like)]
    [InlineData(InteractionType.Share)]
    [InlineData(InteractionType.Follow)]
    public void Positives_raise_the_dot_product_and_push_negatives_away(InteractionType type)
    {
        var u = Vec(1);
        var v = Vec(2);
        var negatives = Vec(3, 16 * 4);
        var signal = EngagementSignal.From(Ev(type), 0, S);
        var (u2, v2, loss) = LearningRule.Step(u, v, negatives, signal, S);
        var (alone, _, _) = LearningRule.Step(u, v, [], signal, S);
        Assert.True(loss > 0);
        Assert.True(TensorPrimitives.Dot(u2, v2) > TensorPrimitives.Dot(u, v));
        Assert.True(TensorPrimitives.Dot(u2, v) > TensorPrimitives.Dot(u, v));
        for (var j = 0; j < 4; j++)
        {
            // Against the same step without negatives: each sampled negative ends up with a lower score.
            var n = negatives.AsSpan(j * 16, 16);
            Assert.True(TensorPrimitives.Dot(u2, n) < TensorPrimitives.Dot(alone, n), $"negative {j}");
        }
    }

    [Theory]
    [InlineData(InteractionType.Skip)]
    [InlineData(InteractionType.NotInterested)]
    public void Negatives_lower_the_dot_product(InteractionType type)
    {
        var u = Vec(4);
        var v = Vec(5);
        var (u2, v2, _) = LearningRule.Step(u, v, Vec(6, 16 * 4), EngagementSignal.From(Ev(type), 0, S), S);
        Assert.True(TensorPrimitives.Dot(u2, v2) < TensorPrimitives.Dot(u, v));
    }

    [Fact]
    public void Stronger_signals_move_further()
    {
        var u = Vec(7);
        var v = Vec(8);
        float Gain(InteractionType t)
        {
            var (u2, _, _) = LearningRule.Step(u, v, [], EngagementSignal.From(Ev(t), 0, S), S);
            return TensorPrimitives.Dot(u2, v) - TensorPrimitives.Dot(u, v);
        }

        Assert.True(Gain(InteractionType.Like) < Gain(InteractionType.Share));
        Assert.True(Gain(InteractionType.Share) < Gain(InteractionType.Follow));
    }

    [Fact]
    public void Repeated_positives_converge_to_high_affinity()
    {
        var u = Vec(9).ToArray();
        var v = Vec(10).ToArray();
        var signal = EngagementSignal.From(Ev(InteractionType.Like), 0, S);
        for (var i = 0; i < 200; i++)
        {
            var before = u.ToArray();
            LearningRule.UpdateUser(u, v, [], signal, S);
            LearningRule.UpdateVideo(v, before, signal, S);
        }

        Assert.True(LearningRule.Sigmoid(TensorPrimitives.Dot(u, v)) > 0.9f);
        Assert.True(TensorPrimitives.Norm(u) <= S.MaxNorm + 1e-4f);
    }

    [Theory]
    [InlineData(1e30f)]
    [InlineData(3e38f)]
    [InlineData(1e-30f)]
    public void Extreme_inputs_stay_finite_and_bounded(float magnitude)
    {
        var u = Vec(11, 64).Select(x => x * magnitude).ToArray();
        var v = Vec(12, 64).Select(x => -x * magnitude).ToArray();
        var negatives = Vec(13, 64 * 8).Select(x => x * magnitude).ToArray();
        foreach (var type in Enum.GetValues<InteractionType>())
        {
            var (u2, v2, loss) = LearningRule.Step(u, v, negatives, EngagementSignal.From(Ev(type, 9_999_999, replays: 999), 0, S), S);
            Assert.True(float.IsFinite(loss), $"{type} loss {loss}");
            Assert.All(u2, x => Assert.True(float.IsFinite(x)));
            Assert.All(v2, x => Assert.True(float.IsFinite(x)));
            Assert.True(TensorPrimitives.Norm(u2) <= S.MaxNorm * 1.0001f);
            Assert.True(TensorPrimitives.Norm(v2) <= S.MaxNorm * 1.0001f);
        }
    }

    [Fact]
    public void Sigmoid_and_loss_are_stable()
    {
        Assert.Equal(1f, LearningRule.Sigmoid(1000f));
        Assert.Equal(0f, LearningRule.Sigmoid(-1000f));
        Assert.Equal(0.5f, LearningRule.Sigmoid(0f));
        Assert.Equal(1000f, LearningRule.Loss(1f, -1000f), 2);
        Assert.Equal(0f, LearningRule.Loss(1f, 1000f), 6);
        Assert.Equal(MathF.Log(2), LearningRule.Loss(0f, 0f), 6);
    }

    [Fact]
    public void Bad_vectors_are_rejected()
    {
        var signal = EngagementSignal.From(Ev(InteractionType.Like), 0, S);
        Assert.Throws<ArgumentException>(() => LearningRule.Step([float.NaN, 0], [1, 0], [], signal, S));
        Assert.Throws<ArgumentException>(() => LearningRule.Step([1, 0], [float.PositiveInfinity, 0], [], signal, S));
        Assert.Throws<ArgumentException>(() => LearningRule.Step([1, 0], [1, 0, 0], [], signal, S));
        Assert.Throws<ArgumentException>(() => LearningRule.Step([1, 0], [1, 0], [1, 2, 3], signal, S));
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(1e-3f)]
    [InlineData(1e18f)]
    [InlineData(1e-25f)]
    public void Ball_scale_matches_a_double_precision_norm_at_every_magnitude(float magnitude)
    {
        // 1e18 and 1e-25 overflow or underflow a float sum of squares: the overflow-safe path must answer for them.
        var random = new Random(7);
        var v = new float[64];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1) * magnitude;
        }

        double sum = 0;
        foreach (var x in v)
        {
            sum += (double)x * x;
        }

        var norm = Math.Sqrt(sum);
        var maxNorm = (float)(norm / 2);
        Assert.Equal(0.5, LearningRule.BallScale(v, maxNorm), 1e-5);
        Assert.Equal(1f, LearningRule.BallScale(v, (float)(norm * 2)));
        Assert.Equal(1f, LearningRule.BallScale(new float[8], 1f));
    }
}
