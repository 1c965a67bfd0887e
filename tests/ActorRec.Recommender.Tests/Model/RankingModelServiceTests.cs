using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Model;
using ActorRec.Recommender.Tests.Support;

namespace ActorRec.Recommender.Tests.Model;

public sealed class RankingModelServiceTests
{
    private static readonly DateTimeOffset T = TestWorld.Start;

    [Fact]
    public void Batched_prediction_matches_one_at_a_time()
    {
        var ranker = new MultiTaskRanker(9, new RankerSettings(Hidden1: 7, Hidden2: 5, Seed: 4));
        var random = new Random(5);
        var xs = new float[4 * 9];
        for (var i = 0; i < xs.Length; i++)
        {
            xs[i] = (float)((random.NextDouble() * 2) - 1);
        }

        for (var step = 0; step < 20; step++)
        {
            ranker.Train(xs.AsSpan((step % 4) * 9, 9), new TaskLabels(step % 2 == 0, step % 3 == 0, false, false, step % 5 == 0, 0.7f), default);
        }

        var batch = new TaskPredictions[4];
        ranker.PredictBatch(xs, 4, batch);
        for (var r = 0; r < 4; r++)
        {
            var one = ranker.Predict(xs.AsSpan(r * 9, 9));
            Assert.Equal(one.Completion, batch[r].Completion, 5);
            Assert.Equal(one.Like, batch[r].Like, 5);
            Assert.Equal(one.Skip, batch[r].Skip, 5);
            Assert.Equal(one.WatchRatio, batch[r].WatchRatio, 5);
        }
    }

    [Fact]
    public void A_masked_example_teaches_only_its_heads()
    {
        var ranker = new MultiTaskRanker(5, new RankerSettings(Hidden1: 4, Hidden2: 3, LearningRate: 0.5f, Seed: 2));
        var x = new float[] { 0.5f, -0.3f, 0.8f, 0.2f, -0.6f };
        var before = ranker.Predict(x);
        for (var i = 0; i < 30; i++)
        {
            ranker.Train(x, new TaskLabels(false, true, false, false, false, 0f, TaskMask.Like), default);
        }

        var after = ranker.Predict(x);
        Assert.True(after.Like > before.Like + 0.3f, $"like {before.Like} -> {after.Like}");

        // The heads of the other tasks got no gradient: only the shared layers moved them, and their weights are still zero.
        Assert.Equal(before.Completion, after.Completion, 6);
        Assert.Equal(before.Skip, after.Skip, 6);
    }

    [Fact]
    public void Events_map_to_labels_with_the_right_heads()
    {
        var service = new RankingModelService(FeedSettings.Default);
        InteractionEvent E(InteractionType type, long watch = 0, int replays = 0) => new("e", type, "u", "v", T, watch, 10_000, replays);
        var view = service.LabelsOf(E(InteractionType.View, 9_600), 10_000);
        Assert.Equal((true, TaskMask.All, 0.96f), (view.Completed, view.Mask, view.WatchRatio));
        Assert.False(service.LabelsOf(E(InteractionType.View, 4_000), 10_000).Completed);
        Assert.True(service.LabelsOf(E(InteractionType.View, 4_000, replays: 1), 10_000).Completed);
        Assert.Equal((true, TaskMask.All), (service.LabelsOf(E(InteractionType.Skip, 500), 10_000).Skipped, TaskMask.All));
        Assert.Equal(TaskMask.Like, service.LabelsOf(E(InteractionType.Like), 10_000).Mask);
        Assert.Equal(TaskMask.Share, service.LabelsOf(E(InteractionType.Share), 10_000).Mask);
        Assert.Equal(TaskMask.Follow, service.LabelsOf(E(InteractionType.Follow), 10_000).Mask);
        Assert.Equal(TaskMask.Skip, service.LabelsOf(E(InteractionType.NotInterested), 10_000).Mask);
        Assert.Equal(TaskMask.None, service.LabelsOf(E(InteractionType.Comment), 10_000).Mask);
    }

    [Fact]
    public void Learning_from_likes_on_a_hashtag_lifts_its_videos_and_the_held_out_calibration_tracks_it()
    {
        var w = new TestWorld();
        for (var i = 0; i < 10; i++)
        {
            w.Upload($"x{i}", $"cx{i}", ["surfing"]);
            w.Upload($"y{i}", $"cy{i}", ["chess"]);
        }

        var service = new RankingModelService(w.Settings);
        var user = new float[w.Settings.EmbeddingDim];
        var context = new Recommender.Model.RankingContext("US", "ios", 10);
        w.Catalog.TryGetRow("x0", out var x0);
        w.Catalog.TryGetRow("y0", out var y0);
        var before = (service.Predict(user, x0, w.Catalog, context), service.Predict(user, y0, w.Catalog, context));
        var n = 0;
        for (var round = 0; round < 30; round++)
        {
            for (var i = 1; i < 10; i++)
            {
                w.Catalog.TryGetRow($"x{i}", out var x);
                w.Catalog.TryGetRow($"y{i}", out var y);
                service.Learn(new InteractionEvent($"v{n++}", InteractionType.View, "u", $"x{i}", T, 15_000, 15_000, 0, "US", "ios"), user, x, w.Catalog);
                service.Learn(new InteractionEvent($"l{n++}", InteractionType.Like, "u", $"x{i}", T, 0, 0, 0, "US", "ios"), user, x, w.Catalog);
                service.Learn(new InteractionEvent($"s{n++}", InteractionType.Skip, "u", $"y{i}", T, 300, 15_000, 0, "US", "ios"), user, y, w.Catalog);
            }
        }

        // x0 and y0 were never trained on: they gain or lose through their hashtag's sparse row and their content embedding.
        var after = (X: service.Predict(user, x0, w.Catalog, context), Y: service.Predict(user, y0, w.Catalog, context));
        Assert.True(after.X.Like > after.Y.Like + 0.2f, $"like: surfing {after.X.Like:0.###}, chess {after.Y.Like:0.###} (before {before.Item1.Like:0.###}/{before.Item2.Like:0.###})");
        Assert.True(after.X.Completion > after.Y.Completion + 0.3f);
        Assert.True(after.Y.Skip > after.X.Skip + 0.3f);
        var stats = service.Stats();
        Assert.Equal(810, stats.Examples);
        Assert.True(stats.SparseRows >= 21, $"hashtags, creators and the region own rows ({stats.SparseRows})");
        var calibration = service.Calibration();
        Assert.Equal(540, calibration.Count);
        Assert.True(calibration.Auc > 0.9, calibration.ToTable());
    }
}
