using System.Buffers;
using System.Numerics.Tensors;
using ActorRec.Recommender.Ann;

namespace ActorRec.Recommender.Retrieval;

/// <summary>
/// The approximate <see cref="IVideoIndex"/>: an <see cref="IAnnIndex"/> by cosine over the catalog rows (an
/// <see cref="IvfIndex"/> by default, or an <see cref="HnswIndex"/> graph), whose hits are re-scored by the exact inner
/// product with the query, so callers see the same score scale as the exact scan.
/// <para>
/// <b>Why a drift threshold.</b> Every interaction event moves its video's embedding a little (one SGD step), and
/// the catalog reports each move here. Re-linking an HNSW node costs a construction-grade search (hundreds of
/// microseconds); at 10⁴ events/s that alone would exceed the node's CPU. A move whose cosine to the vector the graph
/// was linked with is still at least <c>1 − reindexDrift</c> leaves the node where it is: the graph still routes a
/// query to it, and ranking reads the live embedding from the catalog, never from the index. Only a larger drift
/// (or a new or re-approved video) re-links it. The copy of the last linked vector per row that this needs is
/// written under the catalog's write lock (one writer), and read only by that writer.
/// </para>
/// <para>Concurrency: as <see cref="HnswIndex"/>: one writer at a time (the catalog serialises upserts), lock-free
/// readers. A search allocates nothing: hits land in a pooled buffer.</para>
/// </summary>
public sealed class HnswVideoIndex : IVideoIndex, IRowVersionedIndex
{
    private readonly IAnnIndex _index;
    private readonly float _minCosine;
    private readonly int _ef;
    private float[] _linked;
    private float[] _linkedNorms;
    private bool[] _present;
    private int[] _versions;
    private long _relinks;
    private long _skipped;

    /// <param name="settings">Graph settings (metric must be cosine; its dimension is the index dimension).</param>
    /// <param name="reindexDrift">A row is re-linked when 1 − cosine(new, linked) exceeds this (0: on every change).</param>
    public HnswVideoIndex(HnswSettings settings, float reindexDrift)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Metric != AnnMetric.Cosine)
        {
            throw new ArgumentException("the video index links by cosine; inner-product graphs route poorly", nameof(settings));
        }

        if (!(reindexDrift is >= 0f and < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(reindexDrift), reindexDrift, "must be in [0, 1)");
        }

        _index = new HnswIndex(settings);
        _minCosine = 1f - reindexDrift;
        _ef = settings.EfSearch;
        Dimension = settings.Dimension;
        _linked = new float[1024 * Dimension];
        _linkedNorms = new float[1024];
        _present = new bool[1024];
        _versions = new int[1024];
    }

    /// <param name="index">The cosine index to serve from (empty; this wrapper owns its ids).</param>
    /// <param name="reindexDrift">A row is re-indexed when 1 − cosine(new, indexed) exceeds this (0: on every change).</param>
    /// <param name="ef">Search width passed to the index (0: the index's own default), raised to k when positive.</param>
    public HnswVideoIndex(IAnnIndex index, float reindexDrift, int ef)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentOutOfRangeException.ThrowIfNegative(ef);
        if (!(reindexDrift is >= 0f and < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(reindexDrift), reindexDrift, "must be in [0, 1)");
        }

        _index = index;
        _minCosine = 1f - reindexDrift;
        _ef = ef;
        Dimension = index.Dimension;
        _linked = new float[1024 * Dimension];
        _linkedNorms = new float[1024];
        _present = new bool[1024];
        _versions = new int[1024];
    }

    public int Dimension { get; }

    /// <summary>Live rows in the graph.</summary>
    public int Count => _index.Count;

    /// <summary>Changes that re-linked a node, and changes skipped because the drift was below the threshold.</summary>
    public (long Relinks, long Skipped) UpdateCounts => (Interlocked.Read(ref _relinks), Interlocked.Read(ref _skipped));

    public void Upsert(int row, ReadOnlySpan<float> embedding)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        if (embedding.Length != Dimension)
        {
            throw new ArgumentException($"embedding has {embedding.Length} elements; the index dimension is {Dimension}", nameof(embedding));
        }

        var norm = TensorPrimitives.Norm(embedding);
        if (!(norm > 0f) || !float.IsFinite(norm))
        {
            // A zero (or non-finite) vector has no direction to link by; it cannot be a nearest neighbour either.
            Remove(row);
            return;
        }

        EnsureCapacity(row);
        var linked = _linked.AsSpan(row * Dimension, Dimension);
        if (_present[row])
        {
            var linkedNorm = TensorPrimitives.Norm(linked);
            var cosine = TensorPrimitives.Dot(embedding, linked) / (norm * linkedNorm);
            if (cosine >= _minCosine)
            {
                Interlocked.Increment(ref _skipped);
                return;
            }
        }

        _index.Upsert(row, embedding);
        embedding.CopyTo(linked);
        Volatile.Write(ref _linkedNorms[row], norm);
        _present[row] = true;
        Interlocked.Increment(ref _versions[row]);
        Interlocked.Increment(ref _relinks);
    }

    public void Remove(int row)
    {
        if ((uint)row < (uint)_present.Length && _present[row])
        {
            _present[row] = false;
            _index.Delete(row);
            Interlocked.Increment(ref _versions[row]);
        }
    }

    /// <summary>Moves each time the row is (re-)indexed or removed; a move below the drift threshold keeps it.</summary>
    public int RowVersion(int row)
    {
        var versions = Volatile.Read(ref _versions);
        return (uint)row < (uint)versions.Length ? Volatile.Read(ref versions[row]) : 0;
    }

    public int Search(ReadOnlySpan<float> query, int k, Span<int> rows, Span<float> scores)
    {
        if (query.Length != Dimension)
        {
            throw new ArgumentException($"query has {query.Length} elements; the index dimension is {Dimension}", nameof(query));
        }

        k = Math.Min(k, Math.Min(rows.Length, scores.Length));
        if (k <= 0)
        {
            return 0;
        }

        var hits = ArrayPool<AnnHit>.Shared.Rent(k);
        try
        {
            var n = _index.Search(query, k, hits.AsSpan(0, k), _ef > 0 ? Math.Max(_ef, k) : 0);

            // The index scored by cosine in float against the unit vector of the linked one, so the inner product
            // with the linked vector is that cosine × |query| × |linked|: no second read of the (random) vectors.
            var queryNorm = TensorPrimitives.Norm(query);
            var norms = Volatile.Read(ref _linkedNorms);
            var top = new TopK(rows[..k], scores[..k]);
            for (var i = 0; i < n; i++)
            {
                var row = (int)hits[i].Id;
                top.Offer(row, (uint)row < (uint)norms.Length ? hits[i].Score * queryNorm * norms[row] : 0f);
            }

            return top.Drain();
        }
        finally
        {
            ArrayPool<AnnHit>.Shared.Return(hits);
        }
    }

    private void EnsureCapacity(int row)
    {
        if (row < _present.Length)
        {
            return;
        }

        var capacity = _present.Length;
        while (capacity <= row)
        {
            capacity *= 2;
        }

        var linked = new float[capacity * Dimension];
        _linked.CopyTo(linked, 0);
        var present = new bool[capacity];
        _present.CopyTo(present, 0);
        var norms = new float[capacity];
        _linkedNorms.CopyTo(norms, 0);
        var versions = new int[capacity];
        _versions.CopyTo(versions, 0);
        _present = present;
        Volatile.Write(ref _versions, versions);
        Volatile.Write(ref _linked, linked);
        Volatile.Write(ref _linkedNorms, norms);
    }
}
