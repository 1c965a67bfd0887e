using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Ann;

/// <summary>
/// An inverted-file index (IVF) over float32 vectors with int8 codes and an exact re-rank, ranked by inner product
/// (cosine = inner product of L2-normalised vectors). It takes inserts, updates and deletes while it serves.
/// </summary>
/// <remarks>
/// <para><b>Why lists, not a graph.</b> At 100k × 64 a graph walk is bound by memory latency: every step is a
/// random cache miss (a link list, then each neighbour's code), one after another. Here a search reads the
/// centroids (a few tens of KB), then <see cref="IvfSettings.Probes"/> lists whose int8 codes (<see cref="Int8Codes"/>,
/// one 64-byte line per 64-d vector) lie back to back, so the hardware prefetcher streams them and the cost is
/// arithmetic: a few thousand vpmaddwd dots. The best <c>k × Rerank</c> candidates by code score are then
/// re-scored in float (their vectors lie in list order, so the re-rank reads a few runs of lines, not scattered
/// ones) and the top k cut from those exact scores.</para>
/// <para><b>Lists follow the data.</b> The coarse quantiser is spherical k-means (<see cref="SphericalKMeans"/>)
/// with about <c>live / ListSize</c> centroids. Below <c>4 × ListSize</c> live vectors there is one list (a flat
/// int8 scan). The index retrains itself under the write lock when the live count has grown 1.5× since the last
/// training or when deleted slots outnumber live ones: a new <see cref="Layout"/> (centroids, lists, and a vector
/// arena renumbered in list order, which also drops deleted slots) is built beside the old one and swapped in
/// whole. Between trainings a new vector joins the list of its nearest centroid.</para>
/// <para><b>Concurrency: one writer at a time, readers never lock.</b> Mutations take <c>_writeLock</c>. A search
/// reads the layout once and works on it; it is safe because:</para>
/// <list type="bullet">
/// <item>A node's vector and id are written before any list points at it, and a list entry before the list's
/// count is raised (release), so every entry a reader sees below the count it read is complete.</item>
/// <item>A list that must grow or lose an entry is copied and the copy swapped in whole (copy-on-write), so a
/// reader holding the old one sees a consistent, slightly stale list.</item>
/// <item>An update that keeps its list overwrites the vector and its code in place (float stores are atomic); a
/// racing search may score that one vector with a mix of old and new components, i.e. approximately. An update
/// that changes list appends to the new list before it leaves the old one, so a racing search may meet the node
/// twice: the writer bumps a move epoch around such moves, and a search that saw it change drops duplicates.</item>
/// <item>A retrain publishes a new layout; searches on the old one finish on it.</item>
/// </list>
/// <para><b>Determinism.</b> Training samples and seeds come from a <see cref="Random"/> seeded by
/// <see cref="IvfSettings.Seed"/> and drawn under the write lock; ties are broken by node number.</para>
/// </remarks>
[DebuggerDisplay("IvfIndex Count={Count} Lists={ListCount}")]
public sealed unsafe partial class IvfIndex : IAnnIndex
{
    private const double Growth = 1.5;
    private const int KMeansIterations = 8;
    private const int SamplePerList = 32;

    private readonly IvfSettings _settings;
    private readonly int _dimension;
    private readonly int _codeStride;
    private readonly object _writeLock = new();
    private readonly Dictionary<long, int> _idToNode = new();
    private readonly Random _random;
    private int[] _nodeList = new int[ChunkSize];
    private Layout _layout;
    private int _liveCount;
    private int _garbage;
    private int _nextTrainAt;
    private int _moveEpoch;

    /// <summary>Creates an empty index (one list until it holds <c>4 × ListSize</c> vectors).</summary>
    public IvfIndex(IvfSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _dimension = settings.Dimension;
        _codeStride = Int8Codes.Stride(settings.Dimension);
        _random = new Random(settings.Seed);
        _layout = Layout.Flat(_dimension, _codeStride);
        _nextTrainAt = MinTrainSize;
    }

    /// <summary>Vector length this index holds.</summary>
    public int Dimension => _dimension;

    /// <summary>Number of live (not deleted) vectors.</summary>
    public int Count => Volatile.Read(ref _liveCount);

    /// <summary>Number of inverted lists now.</summary>
    public int ListCount => Volatile.Read(ref _layout).Lists.Length;

    /// <summary>Times the index has trained its lists (a statistic for tests and benchmarks).</summary>
    public int Trainings { get; private set; }

    /// <summary>The settings this index was built with.</summary>
    public IvfSettings Settings => _settings;

    /// <summary>Approximate bytes per vector: float vector, id, int8 code, scale and list entry.</summary>
    public int BytesPerVector => (_dimension * sizeof(float)) + sizeof(long) + _codeStride + sizeof(float) + sizeof(int) + 16;

    private int MinTrainSize => 4 * _settings.ListSize;

    /// <summary>Number of entries of each list now (a snapshot, for tests and diagnostics of the list balance).</summary>
    public int[] ListSizes()
    {
        var lists = Volatile.Read(ref _layout).Lists;
        var sizes = new int[lists.Length];
        for (var l = 0; l < lists.Length; l++)
        {
            sizes[l] = Volatile.Read(ref Volatile.Read(ref lists[l]).Count);
        }

        return sizes;
    }

    /// <summary>Whether <paramref name="id"/> is present and not deleted.</summary>
    public bool Contains(long id)
    {
        lock (_writeLock)
        {
            return _idToNode.ContainsKey(id);
        }
    }

    /// <summary>Adds a new vector. Throws when <paramref name="id"/> is already present (use <see cref="Upsert"/>).</summary>
    public void Insert(long id, ReadOnlySpan<float> vector)
    {
        var prepared = AnnVectors.Prepare(vector, _dimension, _settings.Metric, nameof(vector));
        lock (_writeLock)
        {
            if (_idToNode.ContainsKey(id))
            {
                throw new ArgumentException($"Id {id} is already in the index; use Update or Upsert.", nameof(id));
            }

            InsertLocked(id, prepared);
        }
    }

    /// <summary>Inserts <paramref name="id"/>, or moves it to the new vector when present.</summary>
    public void Upsert(long id, ReadOnlySpan<float> vector)
    {
        var prepared = AnnVectors.Prepare(vector, _dimension, _settings.Metric, nameof(vector));
        lock (_writeLock)
        {
            if (_idToNode.TryGetValue(id, out var node))
            {
                UpdateLocked(node, prepared);
            }
            else
            {
                InsertLocked(id, prepared);
            }
        }
    }

    /// <summary>Replaces the vector of an existing id (it moves to the list of its new nearest centroid).</summary>
    public void Update(long id, ReadOnlySpan<float> vector)
    {
        var prepared = AnnVectors.Prepare(vector, _dimension, _settings.Metric, nameof(vector));
        lock (_writeLock)
        {
            if (!_idToNode.TryGetValue(id, out var node))
            {
                throw new KeyNotFoundException($"Id {id} is not in the index.");
            }

            UpdateLocked(node, prepared);
        }
    }

    /// <summary>Removes <paramref name="id"/> from its list. Returns false when absent.</summary>
    public bool Delete(long id)
    {
        lock (_writeLock)
        {
            if (!_idToNode.Remove(id, out var node))
            {
                return false;
            }

            var layout = _layout;
            RemoveEntry(layout, _nodeList[node], node);
            _nodeList[node] = -1;
            Volatile.Write(ref _liveCount, _liveCount - 1);
            _garbage++;
            MaybeRetrain();
            return true;
        }
    }

    /// <summary>Approximate top-<paramref name="k"/> by similarity, best first.</summary>
    public AnnHit[] Search(ReadOnlySpan<float> query, int k, int ef = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var buffer = new AnnHit[k];
        var n = Search(query, k, buffer, ef);
        return n == k ? buffer : buffer.AsSpan(0, n).ToArray();
    }

    /// <summary>Approximate top-k into <paramref name="destination"/>, best first; returns the number of hits written.</summary>
    /// <param name="query">Query vector of length <see cref="Dimension"/>.</param>
    /// <param name="k">Number of hits wanted.</param>
    /// <param name="destination">At least <paramref name="k"/> long.</param>
    /// <param name="ef">Candidates re-scored in float; 0 uses <c>k × Rerank</c>; raised to k when smaller.</param>
    public int Search(ReadOnlySpan<float> query, int k, Span<AnnHit> destination, int ef = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegative(ef);
        if (destination.Length < k)
        {
            throw new ArgumentException($"destination holds {destination.Length} hits but k is {k}.", nameof(destination));
        }

        if (query.Length != _dimension)
        {
            throw new ArgumentException($"query has length {query.Length}, the index dimension is {_dimension}.", nameof(query));
        }

        var epoch = Volatile.Read(ref _moveEpoch);
        var layout = Volatile.Read(ref _layout);
        var scratch = IvfScratch.Get();
        var q = scratch.Query(_dimension);
        query.CopyTo(q);
        if (_settings.Metric == AnnMetric.Cosine)
        {
            AnnVectors.Normalize(q);
        }

        var codes = scratch.Codes(_codeStride);
        Int8Codes.Encode(q, scratch.CodeSpan(_codeStride));

        // 1. The lists to scan: those whose centroids score best against the query.
        var probes = SelectProbes(layout, codes, scratch);

        // 2. Scan their codes, keeping the best `rerank` candidates by approximate score.
        var rerank = Math.Max(k, ef > 0 ? ef : (int)MathF.Ceiling(k * _settings.Rerank));
        var candidateNodes = scratch.CandidateNodes(rerank);
        var candidateScores = scratch.CandidateScores(rerank);
        var candidates = 0;
        for (var p = 0; p < probes.Length; p++)
        {
            layout.PrefetchListHead(probes[p]);
        }

        for (var p = 0; p < probes.Length; p++)
        {
            var list = Volatile.Read(ref layout.Lists[probes[p]]);
            candidates = ScanList(list, codes, candidateNodes, candidateScores, candidates);
        }

        // A list move overlapped the scan: the same node may sit in two candidate slots.
        if (epoch != Volatile.Read(ref _moveEpoch) || (epoch & 1) != 0)
        {
            candidates = DropDuplicateNodes(candidateNodes, candidateScores, candidates);
        }

        // 3. Exact re-rank of the candidates; the top k are cut from the float scores. In node order: a list's
        // vectors are a run of the arena, so ascending addresses let the hardware prefetcher and open DRAM pages
        // help the software prefetches (the re-rank's random reads are most of a cold search).
        // All the loads are started first, so they overlap each other and the sort.
        var ordered = candidateNodes[..candidates];
        for (var i = 0; i < candidates; i++)
        {
            layout.PrefetchVector(ordered[i]);
        }

        ordered.Sort();
        var topNodes = scratch.TopNodes(k);
        var topScores = scratch.TopScores(k);
        var top = new TopK(topNodes, topScores);
        for (var i = 0; i < candidates; i++)
        {
            var node = candidateNodes[i];
            top.Offer(node, Dot(q, layout.VectorOf(node)));
        }

        var n = top.Drain();
        for (var i = 0; i < n; i++)
        {
            destination[i] = new AnnHit(layout.IdOf(topNodes[i]), topScores[i]);
        }

        return n;
    }

    private static int DropDuplicateNodes(Span<int> nodes, Span<float> scores, int count)
    {
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var duplicate = false;
            for (var j = 0; j < kept; j++)
            {
                if (nodes[j] == nodes[i])
                {
                    duplicate = true;
                    break;
                }
            }

            if (!duplicate)
            {
                nodes[kept] = nodes[i];
                scores[kept] = scores[i];
                kept++;
            }
        }

        return kept;
    }

    private ReadOnlySpan<int> SelectProbes(Layout layout, sbyte* codes, IvfScratch scratch)
    {
        var lists = layout.Lists.Length;
        var probes = Math.Min(_settings.Probes, lists);
        var rows = scratch.ProbeLists(probes);
        if (probes == lists)
        {
            for (var i = 0; i < lists; i++)
            {
                rows[i] = i;
            }

            return rows;
        }

        // The probes are chosen on the centroids' int8 codes: a near tie between two lists may go either way,
        // which moves recall by nothing measurable, and the scan reads 64 bytes a centroid instead of 256.
        var scores = scratch.ProbeScores(probes);
        var count = ScanList(layout.Coarse, codes, rows, scores, 0);
        TopK.Drain(rows, scores, count);
        return rows;
    }

    /// <summary>Float inner product; inlined 16-lane steps when the dimension allows (a call to TensorPrimitives costs more than a 64-d dot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (!Vector512.IsHardwareAccelerated || a.Length % 16 != 0 || b.Length != a.Length)
        {
            return TensorPrimitives.Dot(a, b);
        }

        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var acc = Vector512<float>.Zero;
        for (var i = 0; i < a.Length; i += 16)
        {
            acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)i), Vector512.LoadUnsafe(ref pb, (nuint)i), acc);
        }

        return Vector512.Sum(acc);
    }
}
