using ActorRec.Recommender.Features;
using ActorRec.Recommender.Model;

namespace ActorRec.Recommender.Tests.Model;

/// <summary>
/// The serving forward pass (<see cref="MultiTaskRanker.PredictFolded"/> over <see cref="FeatureBuilder.BuildShared"/> +
/// <see cref="FeatureBuilder.BuildItem"/>) against the training one (<see cref="FeatureBuilder.Build"/> +
/// <see cref="MultiTaskRanker.PredictBatch"/>), and its kernel against the scalar reference.
/// </summary>
public sealed class FoldedForwardTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(6, 7)]
    [InlineData(17, 33)]
    [InlineData(40, 64)]
    public void Kernel_matches_the_scalar_reference(int inputs, int outputs)
    {
        var random = new Random(inputs * 100 + outputs);
        var x = Fill(random, inputs);
        x[0] = 0f; // a ReLU zero is skipped, never mis-added
        var wT = Fill(random, inputs * outputs);
        var h = Fill(random, outputs);
        var expected = h.ToArray();

        DenseKernels.MultiplyAccumulate(x, wT, h);
        DenseKernels.MultiplyAccumulateScalar(x, wT, expected);

        for (var j = 0; j < outputs; j++)
        {
            Assert.Equal(expected[j], h[j], 1e-4f);
        }
    }

    [Fact]
    public void Kernel_rejects_a_matrix_too_small()
    {
        var e = Assert.Throws<ArgumentException>(() => DenseKernels.MultiplyAccumulate(new float[4], new float[11], new float[3]));
        Assert.Equal("wT", e.ParamName);
    }

    [Theory]
    [InlineData(8, 4, 32, 16)]
    [InlineData(5, 3, 7, 5)]
    [InlineData(64, 16, 32, 16)]
    public void Folded_predictions_equal_the_training_forward_pass(int embedding, int sparse, int hidden1, int hidden2)
    {
        var random = new Random(embedding + hidden1);
        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: sparse, AdmissionThreshold: 1, InitScale: 0.5f));
        var builder = new FeatureBuilder(new FeatureSettings(EmbeddingDimension: embedding, DeviceBuckets: 4), table);
        var ranker = new MultiTaskRanker(builder.InputDimension, new RankerSettings(Hidden1: hidden1, Hidden2: hidden2, LearningRate: 0.1f, Seed: 9));
        var context = new RankingContext("US", "android", 13);
        ulong[][] ids = [[1UL, 2UL, 3UL], [2UL], [], [4UL, 99UL]];
        foreach (var list in ids)
        {
            builder.Observe(list, context);
        }

        // Train a little so every layer, the heads included, has non-trivial weights and biases.
        var x = new float[builder.InputDimension];
        for (var step = 0; step < 40; step++)
        {
            builder.Build(Fill(random, embedding), Fill(random, embedding), ids[step % ids.Length], context, x);
            ranker.Train(x, new TaskLabels(step % 2 == 0, step % 3 == 0, step % 5 == 0, step % 7 == 0, step % 2 == 1, step % 4 * 0.5f), default);
        }

        var user = Fill(random, embedding);
        const int rows = 9;
        var videos = new float[rows][];
        var built = new float[rows * builder.InputDimension];
        var items = new float[rows * builder.ItemDimension];
        for (var r = 0; r < rows; r++)
        {
            videos[r] = Fill(random, embedding);
            builder.Build(user, videos[r], ids[r % ids.Length], context, built.AsSpan(r * builder.InputDimension, builder.InputDimension));
            builder.BuildItem(videos[r], ids[r % ids.Length], items.AsSpan(r * builder.ItemDimension, builder.ItemDimension));
        }

        var shared = new float[builder.InputDimension];
        builder.BuildShared(user, context, shared);
        var expected = new TaskPredictions[rows];
        var actual = new TaskPredictions[rows];
        ranker.PredictBatch(built, rows, expected);
        ranker.PredictFolded(shared, user, builder.Layout, items, rows, actual);

        for (var r = 0; r < rows; r++)
        {
            Assert.Equal(expected[r].Completion, actual[r].Completion, 1e-5f);
            Assert.Equal(expected[r].Like, actual[r].Like, 1e-5f);
            Assert.Equal(expected[r].Share, actual[r].Share, 1e-5f);
            Assert.Equal(expected[r].Follow, actual[r].Follow, 1e-5f);
            Assert.Equal(expected[r].Skip, actual[r].Skip, 1e-5f);
            Assert.Equal(expected[r].WatchRatio, actual[r].WatchRatio, 1e-4f);
        }

        Assert.NotEqual(expected[0].Completion, expected[1].Completion); // the candidates really differ
    }

    [Fact]
    public void Shared_plus_item_parts_are_the_built_vector()
    {
        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 2, AdmissionThreshold: 1));
        var builder = new FeatureBuilder(new FeatureSettings(EmbeddingDimension: 2, DeviceBuckets: 4), table);
        var context = new RankingContext("US", "ios", 5);
        builder.Observe([11UL], context);
        var x = new float[builder.InputDimension];
        builder.Build([1f, 2f], [3f, 4f], [11UL], context, x);

        var shared = new float[builder.InputDimension];
        builder.BuildShared([1f, 2f], context, shared);
        var item = new float[builder.ItemDimension];
        builder.BuildItem([3f, 4f], [11UL], item);
        var layout = builder.Layout;
        for (var i = 0; i < 2; i++)
        {
            shared[layout.VideoOffset + i] += item[i];
            shared[layout.ProductOffset + i] += item[i] * (i + 1);
        }

        for (var i = 0; i < layout.SparseDimension; i++)
        {
            shared[layout.SparseOffset + i] += item[2 + i];
        }

        Assert.Equal(x, shared);
        Assert.Throws<ArgumentException>(() => builder.BuildItem([3f], [], item));
    }

    private static float[] Fill(Random random, int n)
    {
        var v = new float[n];
        for (var i = 0; i < n; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return v;
    }
}
