namespace ActorRec.Recommender.Ann;

/// <summary>
/// An approximate nearest-neighbour index that takes inserts, updates and deletes while it serves: the graph
/// (<see cref="HnswIndex"/>) and the inverted lists (<see cref="IvfIndex"/>) both implement it. One writer at a
/// time; searches never lock.
/// </summary>
public interface IAnnIndex
{
    /// <summary>Vector length this index holds.</summary>
    int Dimension { get; }

    /// <summary>Number of live (not deleted) vectors.</summary>
    int Count { get; }

    /// <summary>Inserts <paramref name="id"/>, or moves it to the new vector when present.</summary>
    void Upsert(long id, ReadOnlySpan<float> vector);

    /// <summary>Removes <paramref name="id"/>; false when absent. Searches that start afterwards never return it.</summary>
    bool Delete(long id);

    /// <summary>Approximate top-k into <paramref name="destination"/>, best first; returns the number of hits written.</summary>
    /// <param name="query">Query vector of length <see cref="Dimension"/>.</param>
    /// <param name="k">Number of hits wanted.</param>
    /// <param name="destination">At least <paramref name="k"/> long.</param>
    /// <param name="ef">The index's search width (HNSW: candidate list; IVF: candidates re-scored exactly); 0 uses the settings.</param>
    int Search(ReadOnlySpan<float> query, int k, Span<AnnHit> destination, int ef = 0);
}
