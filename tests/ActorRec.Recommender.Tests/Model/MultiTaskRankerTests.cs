using ActorRec.Recommender.Features;
using ActorRec.Recommender.Model;

namespace ActorRec.Recommender.Tests.Model;

public sealed class MultiTaskRankerTests
{
    [Fact]
    public void Input_gradient_matches_finite_differences()
    {
        var ranker = new MultiTaskRanker(7, new RankerSettings(Hidden1: 6, Hidden2: 5, LearningRate: 1e-9f, Seed: 3));
        var x = new float[] { 0.3f, -0.2f, 0.8f, 0.1f, -0.5f, 0.4f, 0.9f };
        var labels = new TaskLabels(true, false, true, false, true, 1.3f);
        var trained = new MultiTaskRanker(7, new RankerSettings(Hidden1: 6, Hidden2: 5, LearningRate: 0.1f, Seed: 3));
        for (var i = 0; i < 30; i++)
        {
            trained.Train(x, new TaskLabels(i % 2 == 0, true, false, i % 3 == 0, false, 0.5f), default);
        }

        foreach (var model in new[] { ranker, trained })
        {
            CheckGradient(model, x, labels, new float[7], model.Loss(x, labels));
        }
    }

    private static void CheckGradient(MultiTaskRanker model, float[] x, TaskLabels labels, float[] analytic, float baseLoss)
    {
        // Central differences of Loss (which does not learn) against the backpropagated gradient.
        const float h = 1e-3f;
        var numeric = new float[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var saved = x[i];
            x[i] = saved + h;
            var plus = model.Loss(x, labels);
            x[i] = saved - h;
            var minus = model.Loss(x, labels);
            x[i] = saved;
            numeric[i] = (plus - minus) / (2 * h);
        }

        var probe = new MultiTaskRankerProbe(model);
        probe.Gradient(x, labels, analytic);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.True(
                MathF.Abs(numeric[i] - analytic[i]) <= 2e-3f + (0.02f * MathF.Abs(numeric[i])),
                $"d/dx[{i}]: numeric {numeric[i]:F5} vs analytic {analytic[i]:F5} (loss {baseLoss:F4})");
        }
    }

    [Fact]
    public void Learns_a_synthetic_rule_online_with_high_auc_and_good_calibration()
    {
        const int dim = 8;
        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 4, AdmissionThreshold: 2));
        var builder = new FeatureBuilder(new FeatureSettings(EmbeddingDimension: dim), table);
        var model = new OnlineRankingModel(builder, new RankerSettings(Hidden1: 32, Hidden2: 16, LearningRate: 0.02f));
        var random = new Random(9);
        var users = RandomVectors(random, 200, dim);
        var videos = RandomVectors(random, 300, dim);
        var tags = new ulong[300];
        for (var v = 0; v < 300; v++)
        {
            tags[v] = (ulong)(v % 10);
        }

        string[] regions = ["US", "BR", "JP"];
        string[] devices = ["ios", "android"];

        (int U, int V, RankingContext C, TaskLabels L, float PComplete) Sample()
        {
            var u = random.Next(200);
            var v = random.Next(300);
            var context = new RankingContext(regions[random.Next(3)], devices[random.Next(2)], random.Next(24));
            var affinity = Dot(users[u], videos[v]);
            var logit = (5f * affinity) + (tags[v] == 3 ? 1.5f : 0f) + (context.Hour >= 18 ? 0.7f : -0.3f) + (context.Region == "JP" ? 0.5f : 0f);
            var p = 1f / (1f + MathF.Exp(-logit));
            var completed = random.NextDouble() < p;
            var liked = random.NextDouble() < (completed ? 0.3 : 0.02);
            var ratio = completed ? 1f + (0.3f * (float)random.NextDouble()) : (float)random.NextDouble() * 0.6f;
            return (u, v, context, new TaskLabels(completed, liked, false, false, !completed && ratio < 0.2f, ratio), p);
        }

        for (var step = 0; step < 40_000; step++)
        {
            var (u, v, c, l, _) = Sample();
            model.Learn(users[u], videos[v], tags.AsSpan(v, 1), c, l);
        }

        const int heldOut = 6_000;
        var predicted = new float[heldOut];
        var observed = new bool[heldOut];
        var truth = new float[heldOut];
        var likePredicted = new float[heldOut];
        var liked = new bool[heldOut];
        for (var i = 0; i < heldOut; i++)
        {
            var (u, v, c, l, p) = Sample();
            var prediction = model.Predict(users[u], videos[v], tags.AsSpan(v, 1), c);
            predicted[i] = prediction.Completion;
            observed[i] = l.Completed;
            truth[i] = p;
            likePredicted[i] = prediction.Like;
            liked[i] = l.Liked;
        }

        var report = CalibrationReport.Build(predicted, observed);
        var bayes = CalibrationReport.ComputeAuc(truth, observed);
        Assert.True(report.Auc > 0.75, report.ToTable());
        Assert.True(report.Auc > bayes - 0.03, $"model AUC {report.Auc:F3} vs Bayes-optimal {bayes:F3}");
        Assert.True(report.ExpectedCalibrationError < 0.03, report.ToTable());
        // P(like) = 0.3 p + 0.02 (1 - p) is monotone in p, so ranking by the true p is Bayes-optimal for likes too.
        var likeAuc = CalibrationReport.ComputeAuc(likePredicted, liked);
        var likeBayes = CalibrationReport.ComputeAuc(truth, liked);
        Assert.True(likeAuc > 0.6 && likeAuc > likeBayes - 0.05, $"like AUC {likeAuc:F3} vs Bayes-optimal {likeBayes:F3}");
        Assert.True(table.Contains(3), "a frequent hashtag was admitted to the sparse table");
    }

    [Fact]
    public void Score_is_the_weighted_task_mix()
    {
        var weights = new RankingScoreWeights(Completion: 1, Like: 2, Share: 0, Follow: 0, Skip: -3, WatchRatio: 0.5f);
        var p = new TaskPredictions(0.5f, 0.25f, 0.9f, 0.9f, 0.1f, 2f);

        Assert.Equal(0.5f + 0.5f - 0.3f + 1f, weights.Score(p), 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingScoreWeights.Create(new RankingScoreWeights(Like: float.NaN)));
    }

    [Fact]
    public void Feature_builder_lays_out_every_block()
    {
        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 2, AdmissionThreshold: 1));
        var builder = new FeatureBuilder(new FeatureSettings(EmbeddingDimension: 2, DeviceBuckets: 4), table);
        builder.Observe([11UL], new RankingContext("US", "ios", 5));
        table.TryGet(11, out var tag);
        tag[0] = 0.5f;
        tag[1] = -0.5f;
        var x = new float[builder.InputDimension];

        builder.Build([1f, 2f], [3f, 4f], [11UL, 12UL], new RankingContext("US", "ios", 5), x);

        Assert.Equal((3 * 2) + (2 * 2) + 4 + 24, x.Length);
        Assert.Equal([1f, 2f, 3f, 4f, 3f, 8f, 0.5f, -0.5f], x[..8]);
        Assert.Equal(1f, x.AsSpan(10, 4).ToArray().Sum());
        Assert.Equal(1f, x[14 + 5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Build([1f, 2f], [3f, 4f], [], new RankingContext("US", "ios", 24), x));
    }

    private static float[][] RandomVectors(Random random, int count, int dim)
    {
        var result = new float[count][];
        for (var i = 0; i < count; i++)
        {
            result[i] = new float[dim];
            for (var d = 0; d < dim; d++)
            {
                result[i][d] = (float)((random.NextDouble() * 2) - 1) / MathF.Sqrt(dim) * 1.5f;
            }
        }

        return result;
    }

    private static float Dot(float[] a, float[] b)
    {
        var s = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    /// <summary>Reads the analytic input gradient with a step too small to change the model.</summary>
    private sealed class MultiTaskRankerProbe(MultiTaskRanker model)
    {
        public void Gradient(float[] x, TaskLabels labels, float[] into) => model.TrainForGradientCheck(x, labels, into);
    }
}
