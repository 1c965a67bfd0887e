namespace ActorRec.Recommender.Retrieval;

/// <summary>Read access to embedding rows by dense row number (the catalog's matrix).</summary>
public interface IEmbeddingSource
{
    int Dimension { get; }

    /// <summary>Rows that exist (0 … Count−1).</summary>
    int Count { get; }

    ReadOnlySpan<float> Row(int row);
}

/// <summary>
/// A maximum-inner-product index over video embeddings keyed by catalog row. The catalog calls
/// <see cref="Upsert"/> and <see cref="Remove"/> as videos change; retrieval calls <see cref="Search"/> from many
/// threads at once. Implementations: <see cref="ExactVideoIndex"/> (exact SIMD scan) and, later, an HNSW index.
/// </summary>
public interface IVideoIndex
{
    int Dimension { get; }

    /// <summary>Adds <paramref name="row"/> or replaces its vector.</summary>
    void Upsert(int row, ReadOnlySpan<float> embedding);

    /// <summary>Removes <paramref name="row"/> from results (no-op when absent).</summary>
    void Remove(int row);

    /// <summary>
    /// Writes up to <c>min(k, rows.Length)</c> rows with the largest inner product with <paramref name="query"/> into
    /// <paramref name="rows"/> and their scores into <paramref name="scores"/>, best first; returns how many.
    /// </summary>
    int Search(ReadOnlySpan<float> query, int k, Span<int> rows, Span<float> scores);
}
