namespace ActorRec.Compute;

/// <summary>
/// The plain scalar reference every backend is tested against: the textbook loops, float64 accumulation, no SIMD,
/// no threads. Slow on purpose; used by the contract tests and the device probe.
/// </summary>
public static class ScalarReference
{
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            sum += (double)x[i] * y[i];
        }

        return (float)sum;
    }

    /// <summary>Sum of <c>|x_i · y_i|</c>: the scale a dot product's rounding error is relative to.</summary>
    public static double DotMagnitude(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            sum += Math.Abs((double)x[i] * y[i]);
        }

        return sum;
    }

    public static void ScoreShared(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, Span<float> scores)
    {
        ScoringArgs.CheckShared(queries, batch, table, candidateRows, scores);
        var dim = table.Dimension;
        for (var b = 0; b < batch; b++)
        {
            for (var c = 0; c < candidateRows.Length; c++)
            {
                scores[(b * candidateRows.Length) + c] = Dot(queries.Slice(b * dim, dim), table.GetRow(candidateRows[c]));
            }
        }
    }

    public static void ScoreGathered(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, int candidatesPerQuery, Span<float> scores)
    {
        ScoringArgs.CheckGathered(queries, batch, table, candidateRows, candidatesPerQuery, scores);
        var dim = table.Dimension;
        for (var b = 0; b < batch; b++)
        {
            for (var c = 0; c < candidatesPerQuery; c++)
            {
                var i = (b * candidatesPerQuery) + c;
                scores[i] = Dot(queries.Slice(b * dim, dim), table.GetRow(candidateRows[i]));
            }
        }
    }

    public static void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        ScoringArgs.CheckGemm(a, b, c, m, k, n);
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    sum += (double)a[(i * k) + p] * b[(p * n) + j];
                }

                c[(i * n) + j] = (float)sum;
            }
        }
    }

    public static void Dense(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, int m, int k, int n, Activation activation)
    {
        ScoringArgs.CheckDense(input, weights, bias, output, m, k, n, activation);
        Gemm(input, weights, output, m, k, n);
        AddBias(output, bias, m, n);
        if (activation == Activation.Relu)
        {
            Relu(output);
        }
        else if (activation == Activation.Sigmoid)
        {
            Sigmoid(output);
        }
    }

    public static void AddBias(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int columns)
    {
        ScoringArgs.CheckBias(matrix, bias, rows, columns);
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < columns; j++)
            {
                matrix[(r * columns) + j] += bias[j];
            }
        }
    }

    public static void Relu(Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = values[i] > 0f ? values[i] : 0f;
        }
    }

    public static void Sigmoid(Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(1.0 / (1.0 + Math.Exp(-values[i])));
        }
    }

    public static int TopK(ReadOnlySpan<float> query, IEmbeddingTable table, int k, Span<int> rows, Span<float> scores)
    {
        ScoringArgs.CheckTopK(query, table, k, rows, scores);
        var all = new (float Score, int Row)[table.Rows];
        for (var r = 0; r < table.Rows; r++)
        {
            all[r] = (Dot(query, table.GetRow(r)), r);
        }

        Array.Sort(all, static (x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Row.CompareTo(y.Row));
        var count = Math.Min(k, table.Rows);
        for (var i = 0; i < count; i++)
        {
            rows[i] = all[i].Row;
            scores[i] = all[i].Score;
        }

        return count;
    }
}
