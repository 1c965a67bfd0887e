namespace ActorRec.Compute;

/// <summary>Argument checks shared by every backend, so a bad shape fails the same way on the CPU and the GPU.</summary>
public static class ScoringArgs
{
    public static void CheckShared(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, Span<float> scores)
    {
        CheckSharedInputs(queries, batch, table, candidateRows);
        CheckLength(nameof(scores), scores.Length, (long)batch * candidateRows.Length, "batch × candidates");
    }

    public static void CheckSharedInputs(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        CheckLength(nameof(queries), queries.Length, (long)batch * table.Dimension, "batch × dimension");
        CheckRows(candidateRows, table.Rows);
    }

    public static void CheckGathered(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, int candidatesPerQuery, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(candidatesPerQuery);
        CheckLength(nameof(queries), queries.Length, (long)batch * table.Dimension, "batch × dimension");
        CheckLength(nameof(candidateRows), candidateRows.Length, (long)batch * candidatesPerQuery, "batch × candidatesPerQuery");
        CheckLength(nameof(scores), scores.Length, (long)batch * candidatesPerQuery, "batch × candidatesPerQuery");
        CheckRows(candidateRows, table.Rows);
    }

    public static void CheckGemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckLength(nameof(a), a.Length, (long)m * k, "m × k");
        CheckLength(nameof(b), b.Length, (long)k * n, "k × n");
        CheckLength(nameof(c), c.Length, (long)m * n, "m × n");
    }

    public static void CheckDense(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, int m, int k, int n, Activation activation)
    {
        CheckGemm(input, weights, output, m, k, n);
        CheckLength(nameof(bias), bias.Length, n, "n");
        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    public static void CheckBias(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        CheckLength(nameof(matrix), matrix.Length, (long)rows * columns, "rows × columns");
        CheckLength(nameof(bias), bias.Length, columns, "columns");
    }

    public static void CheckTopK(ReadOnlySpan<float> query, IEmbeddingTable table, int k, Span<int> rows, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckLength(nameof(query), query.Length, table.Dimension, "table dimension");
        var count = Math.Min(k, table.Rows);
        if (rows.Length < count || scores.Length < count)
        {
            throw new ArgumentException($"rows and scores must hold min(k, table rows) = {count} entries, got {rows.Length} and {scores.Length}.", rows.Length < count ? nameof(rows) : nameof(scores));
        }
    }

    private static void CheckLength(string name, int actual, long expected, string formula)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} must hold {formula} = {expected} values, got {actual}.", name);
        }
    }

    private static void CheckRows(ReadOnlySpan<int> candidateRows, int tableRows)
    {
        for (var i = 0; i < candidateRows.Length; i++)
        {
            if ((uint)candidateRows[i] >= (uint)tableRows)
            {
                throw new ArgumentOutOfRangeException(nameof(candidateRows), candidateRows[i], $"candidateRows[{i}] is not a row of the table [0, {tableRows}).");
            }
        }
    }
}
