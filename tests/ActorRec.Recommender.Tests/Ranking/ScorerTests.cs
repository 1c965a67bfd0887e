using ActorRec.Recommender.Ranking;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Tests.Ranking;

public sealed class ScorerTests
{
    private sealed class Matrix(int dim, float[][] rows) : IEmbeddingSource
    {
        public int Dimension => dim;

        public int Count => rows.Length;

        public ReadOnlySpan<float> Row(int row) => rows[row];
    }

    [Theory]
    [InlineData(3)]
    [InlineData(64)]
    [InlineData(100)]
    public void Cpu_scorer_matches_the_scalar_reference(int dim)
    {
        var rng = new Random(dim);
        var matrix = new Matrix(dim, Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, dim).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray()).ToArray());
        var queries = Enumerable.Range(0, 3 * dim).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        int[] offsets = [0, 7, 7, 20];
        var rows = Enumerable.Range(0, 20).Select(_ => rng.Next(50)).ToArray();
        var cpu = new float[20];
        var scalar = new float[20];
        new CpuCandidateScorer().ScoreBatch(queries, offsets, rows, matrix, cpu);
        new ScalarCandidateScorer().ScoreBatch(queries, offsets, rows, matrix, scalar);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(scalar[i], cpu[i], 1e-4f * dim);
        }

        // Spot check one by hand: query 2, candidate 12.
        var expected = Enumerable.Range(0, dim).Sum(d => (double)queries[(2 * dim) + d] * matrix.Row(rows[12])[d]);
        Assert.Equal((float)expected, scalar[12], 1e-4f);
    }

    [Fact]
    public void Shape_errors_are_reported()
    {
        var matrix = new Matrix(2, [[1, 0]]);
        var scorer = new CpuCandidateScorer();
        Assert.Throws<ArgumentException>(() => scorer.ScoreBatch(new float[3], [0, 1], [0], matrix, new float[1]));
        Assert.Throws<ArgumentException>(() => scorer.ScoreBatch(new float[2], [0, 2], [0], matrix, new float[1]));
        Assert.Throws<ArgumentException>(() => scorer.ScoreBatch(new float[2], [0, 1], [0], matrix, new float[0]));
    }
}
