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

/// <summary>
/// An index that answers several queries in one pass over its data (the exact scan is memory-bound, so m queries
/// cost about as much as one). Query q (dim floats at <c>queries[q·dim]</c>) gets up to <c>k[q]</c> results in
/// <c>rows/scores[offset_q …)</c> where offset_q is the sum of the earlier k; <c>counts[q]</c> says how many.
/// </summary>
public interface IMultiQueryVideoIndex : IVideoIndex
{
    void SearchMany(ReadOnlySpan<float> queries, ReadOnlySpan<int> k, Span<int> rows, Span<float> scores, Span<int> counts);
}

/// <summary>
/// An index that numbers the changes of each row's indexed vector: <see cref="RowVersion"/> moves whenever the row
/// is (re-)indexed or removed, and stays put while the index keeps serving the vector it has. Caches of per-row
/// search results (<see cref="SimilarVideosCache"/>) compare it to know when their entry is stale.
/// </summary>
public interface IRowVersionedIndex
{
    /// <summary>The change number of <paramref name="row"/> (0 for a row never indexed).</summary>
    int RowVersion(int row);
}
