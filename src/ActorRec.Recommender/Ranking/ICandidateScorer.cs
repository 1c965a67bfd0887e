using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Ranking;

/// <summary>
/// The compute-heavy part of ranking a micro-batch: inner products of each request's query with each of its
/// candidates. For request q (0 ≤ q &lt; offsets.Length − 1) with query <c>queries[q·dim … (q+1)·dim)</c>, and each
/// i in <c>[offsets[q], offsets[q+1])</c>: <c>output[i] = query_q · embeddings.Row(candidateRows[i])</c>.
/// The CPU implementation is <see cref="CpuCandidateScorer"/>; a GPU backend plugs in here.
/// </summary>
public interface ICandidateScorer
{
    void ScoreBatch(ReadOnlySpan<float> queries, ReadOnlySpan<int> offsets, ReadOnlySpan<int> candidateRows, IEmbeddingSource embeddings, Span<float> output);
}

/// <summary>Shape checks shared by scorers.</summary>
public static class CandidateScoring
{
    public static void CheckShapes(ReadOnlySpan<float> queries, ReadOnlySpan<int> offsets, ReadOnlySpan<int> candidateRows, IEmbeddingSource embeddings, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        var dim = embeddings.Dimension;
        if (offsets.Length < 1)
        {
            throw new ArgumentException("offsets needs at least one element", nameof(offsets));
        }

        var q = offsets.Length - 1;
        if (queries.Length != q * dim)
        {
            throw new ArgumentException($"queries has {queries.Length} floats; {q} queries of dimension {dim} need {q * dim}", nameof(queries));
        }

        if (offsets[0] != 0 || offsets[q] != candidateRows.Length)
        {
            throw new ArgumentException($"offsets must start at 0 and end at {candidateRows.Length}", nameof(offsets));
        }

        if (output.Length < candidateRows.Length)
        {
            throw new ArgumentException($"output has {output.Length} slots; {candidateRows.Length} are needed", nameof(output));
        }
    }
}

/// <summary>CPU scorer: one <see cref="TensorPrimitives.Dot"/> (Vector512/256/128 inside) per candidate.</summary>
public sealed class CpuCandidateScorer : ICandidateScorer
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ScoreBatch(ReadOnlySpan<float> queries, ReadOnlySpan<int> offsets, ReadOnlySpan<int> candidateRows, IEmbeddingSource embeddings, Span<float> output)
    {
        CandidateScoring.CheckShapes(queries, offsets, candidateRows, embeddings, output);
        var dim = embeddings.Dimension;
        if (embeddings is VideoCatalog catalog)
        {
            // The usual source, called directly (the method is jitted once, without the profile that would devirtualise it).
            for (var q = 0; q + 1 < offsets.Length; q++)
            {
                var query = queries.Slice(q * dim, dim);
                for (var i = offsets[q]; i < offsets[q + 1]; i++)
                {
                    output[i] = TensorPrimitives.Dot(query, catalog.Row(candidateRows[i]));
                }
            }

            return;
        }

        for (var q = 0; q + 1 < offsets.Length; q++)
        {
            var query = queries.Slice(q * dim, dim);
            for (var i = offsets[q]; i < offsets[q + 1]; i++)
            {
                output[i] = TensorPrimitives.Dot(query, embeddings.Row(candidateRows[i]));
            }
        }
    }
}

/// <summary>The scalar reference every scorer is tested against (double accumulation).</summary>
public sealed class ScalarCandidateScorer : ICandidateScorer
{
    public void ScoreBatch(ReadOnlySpan<float> queries, ReadOnlySpan<int> offsets, ReadOnlySpan<int> candidateRows, IEmbeddingSource embeddings, Span<float> output)
    {
        CandidateScoring.CheckShapes(queries, offsets, candidateRows, embeddings, output);
        var dim = embeddings.Dimension;
        for (var q = 0; q + 1 < offsets.Length; q++)
        {
            for (var i = offsets[q]; i < offsets[q + 1]; i++)
            {
                var row = embeddings.Row(candidateRows[i]);
                double sum = 0;
                for (var d = 0; d < dim; d++)
                {
                    sum += (double)queries[(q * dim) + d] * row[d];
                }

                output[i] = (float)sum;
            }
        }
    }
}
