using System.Numerics.Tensors;

namespace ActorRec.Recommender.Retrieval;

/// <summary>
/// Exact maximum-inner-product search: a SIMD scan of every live row (<see cref="TensorPrimitives.Dot"/>, which
/// uses the widest vectors the CPU has) feeding a k-bounded heap. O(rows · dim) per query: fine for 10⁵ rows of 64
/// floats (a few ms); the ANN index replaces it beyond that. Thread-safety as in the catalog: a single writer under
/// a lock, lock-free readers over a storage object that is replaced, not resized.
/// </summary>
public sealed class ExactVideoIndex : IMultiQueryVideoIndex
{
    private readonly object _writeLock = new();
    private volatile Storage _storage;

    public ExactVideoIndex(int dimension, int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        _storage = new Storage(Math.Max(16, initialCapacity), dimension);
    }

    public int Dimension { get; }

    /// <summary>Live rows.</summary>
    public int LiveCount
    {
        get
        {
            var s = _storage;
            var n = 0;
            for (var i = 0; i < s.Rows; i++)
            {
                n += s.Live[i] ? 1 : 0;
            }

            return n;
        }
    }

    public void Upsert(int row, ReadOnlySpan<float> embedding)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        if (embedding.Length != Dimension)
        {
            throw new ArgumentException($"embedding has {embedding.Length} elements; the index dimension is {Dimension}", nameof(embedding));
        }

        lock (_writeLock)
        {
            var s = _storage;
            if (row >= s.Capacity)
            {
                var capacity = s.Capacity;
                while (capacity <= row)
                {
                    capacity *= 2;
                }

                s = s.Grow(capacity, Dimension);
                _storage = s;
            }

            embedding.CopyTo(s.Matrix.AsSpan(row * Dimension, Dimension));
            s.Live[row] = true;
            if (row >= s.Rows)
            {
                Volatile.Write(ref s.RowsField, row + 1);
            }
        }
    }

    public void Remove(int row)
    {
        lock (_writeLock)
        {
            var s = _storage;
            if ((uint)row < (uint)s.Rows)
            {
                s.Live[row] = false;
            }
        }
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

        var s = _storage;
        var n = s.Rows;
        var matrix = s.Matrix;
        var live = s.Live;
        var dim = Dimension;
        var top = new TopK(rows[..k], scores[..k]);
        for (var r = 0; r < n; r++)
        {
            if (!live[r])
            {
                continue;
            }

            var score = TensorPrimitives.Dot(query, new ReadOnlySpan<float>(matrix, r * dim, dim));
            if (score > top.Threshold || top.Count < k)
            {
                top.Offer(r, score);
            }
        }

        return top.Drain();
    }

    public void SearchMany(ReadOnlySpan<float> queries, ReadOnlySpan<int> k, Span<int> rows, Span<float> scores, Span<int> counts)
    {
        var m = k.Length;
        if (queries.Length != m * Dimension || counts.Length < m)
        {
            throw new ArgumentException($"{m} queries need {m * Dimension} query floats (got {queries.Length}) and {m} counts (got {counts.Length})");
        }

        Span<int> offsets = m <= 64 ? stackalloc int[m + 1] : new int[m + 1];
        for (var q = 0; q < m; q++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(k[q]);
            offsets[q + 1] = offsets[q] + k[q];
            counts[q] = 0;
        }

        if (rows.Length < offsets[m] || scores.Length < offsets[m])
        {
            throw new ArgumentException($"result spans need {offsets[m]} slots");
        }

        var s = _storage;
        var n = s.Rows;
        var matrix = s.Matrix;
        var live = s.Live;
        var dim = Dimension;
        for (var r = 0; r < n; r++)
        {
            if (!live[r])
            {
                continue;
            }

            var row = new ReadOnlySpan<float>(matrix, r * dim, dim);
            for (var q = 0; q < m; q++)
            {
                var cap = k[q];
                if (cap == 0)
                {
                    continue;
                }

                var qRows = rows.Slice(offsets[q], cap);
                var qScores = scores.Slice(offsets[q], cap);
                var score = TensorPrimitives.Dot(queries.Slice(q * dim, dim), row);
                if (score > TopK.ThresholdOf(qScores, counts[q], cap))
                {
                    TopK.Offer(qRows, qScores, ref counts[q], r, score);
                }
            }
        }

        for (var q = 0; q < m; q++)
        {
            TopK.Drain(rows.Slice(offsets[q], k[q]), scores.Slice(offsets[q], k[q]), counts[q]);
        }
    }

    private sealed class Storage
    {
        public int RowsField;

        public Storage(int capacity, int dim)
        {
            Capacity = capacity;
            Matrix = new float[capacity * dim];
            Live = new bool[capacity];
        }

        public int Capacity { get; }

        public float[] Matrix { get; }

        public bool[] Live { get; }

        public int Rows => Volatile.Read(ref RowsField);

        public Storage Grow(int capacity, int dim)
        {
            var next = new Storage(capacity, dim) { RowsField = RowsField };
            Matrix.CopyTo(next.Matrix, 0);
            Live.CopyTo(next.Live, 0);
            return next;
        }
    }
}
