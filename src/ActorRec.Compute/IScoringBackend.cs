namespace ActorRec.Compute;

/// <summary>
/// The vector operations the feed engine needs: batched candidate scoring (dot products of query vectors with
/// embedding rows gathered by index), the dense layers of the ranking model, and an exact top-K scan for retrieval.
/// All matrices are float32, row-major. Every implementation passes <c>ScoringBackendContract</c>: results equal a
/// plain scalar reference within 1e-4 relative to the magnitude of the terms summed.
/// </summary>
/// <remarks>
/// Implementations are thread-safe: ranking actors call one shared backend concurrently. Arguments are checked the
/// same way by every backend (<see cref="ScoringArgs"/>), so a bad shape fails identically on CPU and GPU.
/// </remarks>
public interface IScoringBackend : IDisposable
{
    /// <summary>Short description, e.g. "cpu (Vector512, 16 threads)" or "cuda (NVIDIA H100, sm_90)".</summary>
    string Name { get; }

    /// <summary>
    /// Scores every query against the same candidate set: <c>scores[b × C + c] = dot(queries[b], table[candidateRows[c]])</c>
    /// for <c>B = batch</c> queries of <c>table.Dimension</c> values and <c>C = candidateRows.Length</c>.
    /// </summary>
    void ScoreShared(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, Span<float> scores);

    /// <summary>
    /// Scores each query against its own candidates: <c>scores[b × C + c] = dot(queries[b], table[candidateRows[b × C + c]])</c>
    /// with <c>C = candidatesPerQuery</c>.
    /// </summary>
    void ScoreGathered(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, int candidatesPerQuery, Span<float> scores);

    /// <summary><c>c (m × n) = a (m × k) · b (k × n)</c>.</summary>
    void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n);

    /// <summary>A dense layer: <c>output (m × n) = activation(input (m × k) · weights (k × n) + bias (n))</c>.</summary>
    void Dense(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, int m, int k, int n, Activation activation);

    /// <summary>Adds <paramref name="bias"/> (length <paramref name="columns"/>) to every row of <paramref name="matrix"/>.</summary>
    void AddBias(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int columns);

    /// <summary>In place: <c>x = max(x, 0)</c>.</summary>
    void Relu(Span<float> values);

    /// <summary>In place: <c>x = 1 / (1 + e^-x)</c> (the sigmoid heads of the multi-task ranker).</summary>
    void Sigmoid(Span<float> values);

    /// <summary>
    /// Exact scan: scores <paramref name="query"/> against every row of <paramref name="table"/> and writes the best
    /// <c>min(k, table.Rows)</c> rows in descending score order (ties: lower row first). Returns the count written.
    /// </summary>
    int TopK(ReadOnlySpan<float> query, IEmbeddingTable table, int k, Span<int> rows, Span<float> scores);
}
