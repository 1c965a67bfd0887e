using System.Diagnostics;
using System.Numerics.Tensors;

namespace ActorRec.Recommender.Ann;

/// <summary>
/// A hierarchical navigable small-world graph (Malkov &amp; Yashunin) over float32 vectors, ranked by inner
/// product (cosine = inner product of L2-normalised vectors). It takes inserts, updates and deletes while it serves.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Vectors live in fixed-size chunks of one contiguous arena (1,024 vectors a chunk) and the
/// layer-0 links, where a search spends nearly all its time, in a parallel int arena with a fixed stride of
/// <c>2M + 1</c> (<c>[count, link…]</c>); upper-layer links are small per-node arrays. Chunks never move once
/// allocated; only the chunk directory is grown (copy, then swap).</para>
/// <para>Files: this one holds the public operations, linking and search; <c>HnswIndex.Storage.cs</c> the arenas
/// (chunks, codes, prefetch); <c>HnswIndex.Compact.cs</c> the locality-preserving copy.</para>
/// <para><b>Two copies of each vector.</b> The graph walk scores against int8 codes (<see cref="Int8Codes"/>: one
/// 64-byte line per 64-d vector instead of four, and a vpmaddwd dot), because a walk over 100k random nodes is
/// bound by memory, not arithmetic. The float vectors decide everything that must be exact: the links chosen at
/// insert (candidates re-scored before the neighbour heuristic), the greedy descent of an insert, and the final
/// answer (the ef survivors of a search are re-scored in float, then the top k are cut). A search descends the
/// upper layers on the codes too: that only chooses where its layer-0 beam starts.</para>
/// <para><b>Concurrency: one writer at a time, readers never lock.</b> Insert, Update and Delete take
/// <c>_writeLock</c>, so mutations are serial. Search takes no lock. It is safe because:</para>
/// <list type="bullet">
/// <item>A node's vector and its link slot are fully written before its index is published (node count and the
/// node table are written with release semantics, links to it are added after), so every index a reader finds
/// in a link list resolves to a complete node. A reader holding an older chunk directory re-reads the field.</item>
/// <item>Layer-0 link slots are rewritten in place: entries first, then the count. A concurrent reader may see a
/// mix of the old and the new entries; every entry is always a valid node index, so the worst case is a search
/// that walks a slightly stale neighbour set for one step (the count is clamped to the stride).</item>
/// <item>Upper-layer link arrays are copy-on-write (a new array is swapped in whole).</item>
/// <item>Update overwrites a vector and its int8 codes in place (float stores are atomic); a search racing with it may score that one
/// node with a mix of old and new components, i.e. approximately. Nothing else can go wrong.</item>
/// <item>The entry point (node and top layer) is one immutable object swapped atomically.</item>
/// <item>Delete sets a volatile tombstone. Tombstones stay in the graph as stepping stones (so searches keep
/// their paths) but are never returned, and the tombstone's neighbours re-link among themselves at delete time
/// (repair on delete) so the graph stays navigable without it. Tombstoned slots are not reused: memory is
/// reclaimed by rebuilding the index.</item>
/// </list>
/// <para>Per-search scratch (visited stamps, heaps) is thread-static, so a search allocates only its result.</para>
/// <para><b>Determinism.</b> Levels come from a <see cref="Random"/> seeded by <see cref="HnswSettings.Seed"/> and
/// drawn under the write lock, and ties are broken by node order, so the same sequence of mutations yields the
/// same graph and the same answers.</para>
/// </remarks>
[DebuggerDisplay("HnswIndex Count={Count} Dimension={Dimension}")]
public sealed unsafe partial class HnswIndex : IAnnIndex
{
    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private readonly HnswSettings _settings;
    private readonly int _dimension;
    private readonly int _stride0;
    private readonly int _codeStride;
    private readonly object _writeLock = new();
    private readonly Dictionary<long, int> _idToNode = new();
    private readonly Random _random;
    private readonly double _levelMultiplier;
    private Node?[] _nodes = new Node?[ChunkSize];
    private float[][] _vectorChunks = [];
    private int[][] _linkChunks = [];
    private sbyte[][] _codeChunks = [];
    private float[][] _scaleChunks = [];
    private int _nodeCount;
    private int _liveCount;
    private int _tombstones;
    private EntryPoint? _entry;

    /// <summary>Creates an empty index.</summary>
    public HnswIndex(HnswSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _dimension = settings.Dimension;
        _stride0 = (settings.M * 2) + 1;
        _codeStride = Int8Codes.Stride(settings.Dimension);
        _random = new Random(settings.Seed);
        _levelMultiplier = 1.0 / Math.Log(settings.M);
    }

    /// <summary>Vector length this index holds.</summary>
    public int Dimension => _dimension;

    /// <summary>Number of live (not deleted) vectors.</summary>
    public int Count => Volatile.Read(ref _liveCount);

    /// <summary>Number of graph nodes including tombstones (memory is proportional to it).</summary>
    public int NodeCount => Volatile.Read(ref _nodeCount);

    /// <summary>The settings this index was built with.</summary>
    public HnswSettings Settings => _settings;

    /// <summary>Approximate bytes per node: vector, layer-0 link slot, node record (upper layers add ~M ints on 1/M of nodes).</summary>
    public int BytesPerNode => (_dimension * sizeof(float)) + _codeStride + sizeof(float) + (_stride0 * sizeof(int)) + 48;

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

    /// <summary>Inserts <paramref name="id"/>, or moves it to the new vector and re-links it when present.</summary>
    public void Upsert(long id, ReadOnlySpan<float> vector)
    {
        var prepared = AnnVectors.Prepare(vector, _dimension, _settings.Metric, nameof(vector));
        lock (_writeLock)
        {
            if (_idToNode.TryGetValue(id, out var index))
            {
                UpdateLocked(index, prepared);
            }
            else
            {
                InsertLocked(id, prepared);
            }
        }
    }

    /// <summary>Replaces the vector of an existing id and re-links its node on every layer it lives on.</summary>
    public void Update(long id, ReadOnlySpan<float> vector)
    {
        var prepared = AnnVectors.Prepare(vector, _dimension, _settings.Metric, nameof(vector));
        lock (_writeLock)
        {
            if (!_idToNode.TryGetValue(id, out var index))
            {
                throw new KeyNotFoundException($"Id {id} is not in the index.");
            }

            UpdateLocked(index, prepared);
        }
    }

    /// <summary>Tombstones <paramref name="id"/> and repairs its neighbours' links. Returns false when absent.</summary>
    public bool Delete(long id)
    {
        lock (_writeLock)
        {
            if (!_idToNode.Remove(id, out var index))
            {
                return false;
            }

            NodeAt(index).Deleted = true;
            Interlocked.Decrement(ref _liveCount);
            Interlocked.Increment(ref _tombstones);
            RepairAround(index);
            return true;
        }
    }

    /// <summary>Approximate top-<paramref name="k"/> by similarity, best first.</summary>
    /// <param name="query">Query vector of length <see cref="Dimension"/>.</param>
    /// <param name="k">Number of hits wanted.</param>
    /// <param name="ef">Candidate list size; 0 uses <see cref="HnswSettings.EfSearch"/>; raised to k when smaller.</param>
    public AnnHit[] Search(ReadOnlySpan<float> query, int k, int ef = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var buffer = new AnnHit[k];
        var n = Search(query, k, buffer, ef);
        return n == k ? buffer : buffer.AsSpan(0, n).ToArray();
    }

    /// <summary>Approximate top-k into <paramref name="destination"/>, best first; returns the number of hits written.</summary>
    public int Search(ReadOnlySpan<float> query, int k, Span<AnnHit> destination, int ef = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (destination.Length < k)
        {
            throw new ArgumentException($"destination holds {destination.Length} hits but k is {k}.", nameof(destination));
        }

        if (query.Length != _dimension)
        {
            throw new ArgumentException($"query has length {query.Length}, the index dimension is {_dimension}.", nameof(query));
        }

        var entry = Volatile.Read(ref _entry);
        if (entry is null)
        {
            return 0;
        }

        var scratch = HnswScratch.Get();
        var q = scratch.Query(query.Length);
        query.CopyTo(q);
        if (_settings.Metric == AnnMetric.Cosine)
        {
            AnnVectors.Normalize(q);
        }

        var codes = scratch.Codes(_codeStride);
        var scale = Int8Codes.Encode(q, scratch.CodeSpan(_codeStride));
        var current = GreedyDescendByCodes(codes, scale, entry.Node, entry.Level);
        SearchLayer(codes, scale, current, Math.Max(ef > 0 ? ef : _settings.EfSearch, k), 0, scratch, excludeIndex: -1);

        // The walk ranked by the int8 codes; the ef survivors are re-scored exactly before the top-k is cut.
        var found = scratch.DrainAllDescending();
        for (var i = 0; i < found.Count; i++)
        {
            PrefetchVector(found[i].Index);
        }

        for (var i = 0; i < found.Count; i++)
        {
            found[i] = (found[i].Index, Similarity(q, found[i].Index));
        }

        SortDescending(found);
        var n = Math.Min(k, found.Count);
        for (var i = 0; i < n; i++)
        {
            destination[i] = new AnnHit(IdOf(found[i].Index), found[i].Score);
        }

        return n;
    }

    internal long IdOf(int index) => NodeAt(index).Id;

    /// <summary>Similarity evaluations done by searches on the calling thread so far (for benchmarks).</summary>
    internal static long EvaluationsOnThisThread => HnswScratch.Get().Evaluations;

    private void SetLinks(int index, int layer, ReadOnlySpan<int> links)
    {
        Debug.Assert(links.Length <= MaxLinks(layer), "Link list longer than the layer allows.");
        if (layer > 0)
        {
            Volatile.Write(ref NodeAt(index).UpperLinks[layer - 1], links.ToArray());
            return;
        }

        var slot = _linkChunks[index >> ChunkShift].AsSpan((index & ChunkMask) * _stride0, _stride0);
        var old = slot[0];
        if (links.Length < old)
        {
            Volatile.Write(ref slot[0], links.Length);
        }

        links.CopyTo(slot[1..]);
        Volatile.Write(ref slot[0], links.Length);
    }

    private float Similarity(ReadOnlySpan<float> q, int index) => TensorPrimitives.Dot(q, VectorOf(index));

    private float CodeSimilarity(sbyte* codes, float scale, int index) =>
        scale * ScaleOf(index) * Int8Codes.Dot(codes, CodesOf(index), _codeStride);

    private int MaxLinks(int level) => level == 0 ? _settings.M * 2 : _settings.M;

    private int DrawLevel()
    {
        var u = 1.0 - _random.NextDouble();
        return Math.Min((int)(-Math.Log(u) * _levelMultiplier), 30);
    }

    private void InsertLocked(long id, float[] vector)
    {
        var level = DrawLevel();
        var index = _nodeCount;
        EnsureCapacity(index);
        vector.CopyTo(_vectorChunks[index >> ChunkShift].AsSpan((index & ChunkMask) * _dimension, _dimension));
        WriteCodes(index, vector);
        Volatile.Write(ref _nodes[index], new Node(id, level));
        Volatile.Write(ref _nodeCount, index + 1);
        _idToNode[id] = index;
        Interlocked.Increment(ref _liveCount);

        var entry = _entry;
        if (entry is null)
        {
            Volatile.Write(ref _entry, new EntryPoint(index, level));
            return;
        }

        LinkNode(index, level, entry, Math.Min(level, entry.Level));
        if (level > entry.Level)
        {
            Volatile.Write(ref _entry, new EntryPoint(index, level));
        }
    }

    private void UpdateLocked(int index, float[] vector)
    {
        vector.CopyTo(_vectorChunks[index >> ChunkShift].AsSpan((index & ChunkMask) * _dimension, _dimension));
        WriteCodes(index, vector);
        var entry = _entry!;
        var level = NodeAt(index).Level;
        LinkNode(index, level, entry, Math.Min(level, entry.Level));
    }

    /// <summary>Finds and publishes the node's links on layers topLayer..0, and back-links from its neighbours.</summary>
    private void LinkNode(int index, int level, EntryPoint entry, int topLayer)
    {
        var scratch = HnswScratch.Get();
        var start = entry.Node;
        if (start == index)
        {
            start = FirstLink(index, Math.Min(level, entry.Level));
            if (start < 0)
            {
                return;
            }
        }

        var vector = VectorOf(index).ToArray();
        var codes = CodesOf(index);
        var scale = ScaleOf(index);
        var current = GreedyDescend(vector, start, entry.Level, topLayer + 1, exclude: index);
        for (var layer = topLayer; layer >= 0; layer--)
        {
            SearchLayer(codes, scale, current, _settings.EfConstruction, layer, scratch, excludeIndex: index);
            var candidates = scratch.DrainAllDescending();
            if (candidates.Count == 0)
            {
                continue;
            }

            // Links are chosen on exact scores (the walk used the codes).
            for (var i = 0; i < candidates.Count; i++)
            {
                candidates[i] = (candidates[i].Index, Similarity(vector, candidates[i].Index));
            }

            SortDescending(candidates);

            current = candidates[0].Index;
            var selected = SelectNeighbours(candidates, MaxLinks(layer));
            SetLinks(index, layer, selected);
            for (var i = 0; i < selected.Length; i++)
            {
                AddLink(selected[i], index, layer);
            }
        }
    }

    private int FirstLink(int index, int level)
    {
        for (var layer = level; layer >= 0; layer--)
        {
            var links = LinksOf(index, layer);
            if (links.Length > 0)
            {
                return links[0];
            }
        }

        return -1;
    }

    private int GreedyDescend(ReadOnlySpan<float> q, int start, int fromLayer, int toLayer, int exclude)
    {
        var current = start;
        var currentScore = Similarity(q, current);
        for (var layer = fromLayer; layer >= Math.Max(toLayer, 1); layer--)
        {
            var changed = true;
            while (changed)
            {
                changed = false;
                if (layer > NodeAt(current).Level)
                {
                    break;
                }

                var links = LinksOf(current, layer);
                for (var i = 0; i < links.Length; i++)
                {
                    PrefetchVector(links[i]);
                }

                for (var i = 0; i < links.Length; i++)
                {
                    var candidate = links[i];
                    if (candidate == exclude)
                    {
                        continue;
                    }

                    var score = Similarity(q, candidate);
                    if (score > currentScore || (score == currentScore && candidate < current))
                    {
                        currentScore = score;
                        current = candidate;
                        changed = true;
                    }
                }
            }
        }

        return current;
    }

    /// <summary>
    /// The upper-layer descent of a search, scored on the int8 codes (one cache line per neighbour instead of a
    /// float vector's four): it only picks where layer 0 starts, and the layer-0 beam corrects a near miss.
    /// </summary>
    private int GreedyDescendByCodes(sbyte* codes, float scale, int start, int fromLayer)
    {
        var current = start;
        var currentScore = CodeSimilarity(codes, scale, current);
        for (var layer = fromLayer; layer >= 1; layer--)
        {
            var changed = true;
            while (changed)
            {
                changed = false;
                if (layer > NodeAt(current).Level)
                {
                    break;
                }

                var links = LinksOf(current, layer);
                for (var i = 0; i < links.Length; i++)
                {
                    Prefetch(links[i]);
                }

                for (var i = 0; i < links.Length; i++)
                {
                    var candidate = links[i];
                    var score = CodeSimilarity(codes, scale, candidate);
                    if (score > currentScore || (score == currentScore && candidate < current))
                    {
                        currentScore = score;
                        current = candidate;
                        changed = true;
                    }
                }
            }
        }

        return current;
    }

    /// <summary>Beam search on one layer; leaves the best live nodes (at most ef) in the scratch result heap.</summary>
    private void SearchLayer(sbyte* codes, float scale, int start, int ef, int layer, HnswScratch scratch, int excludeIndex)
    {
        scratch.Begin(NodeCount);
        scratch.MarkVisited(start);
        var startScore = CodeSimilarity(codes, scale, start);
        scratch.PushCandidate(start, startScore);
        if (start != excludeIndex && !NodeAt(start).Deleted)
        {
            scratch.PushResult(start, startScore, ef);
        }

        Span<int> fresh = stackalloc int[_stride0];
        while (scratch.TryPopCandidate(out var candidate, out var candidateScore))
        {
            if (scratch.ResultCount >= ef && candidateScore < scratch.WorstResult)
            {
                break;
            }

            if (layer > 0 && layer > NodeAt(candidate).Level)
            {
                continue;
            }

            // Gather the unvisited neighbours first and prefetch their vectors, then score them: the memory
            // loads overlap instead of stalling one dot product at a time.
            var links = LinksOf(candidate, layer);
            var freshCount = 0;
            for (var i = 0; i < links.Length; i++)
            {
                var next = links[i];
                if (scratch.MarkVisited(next))
                {
                    fresh[freshCount++] = next;
                    Prefetch(next);
                }
            }

            // While those loads are in flight, also start loading the link slot of the next likely expansion.
            PrefetchLinks(scratch.PeekCandidate);
            var checkTombstones = Volatile.Read(ref _tombstones) > 0 || excludeIndex >= 0;
            scratch.Evaluations += freshCount;
            for (var i = 0; i < freshCount; i++)
            {
                var next = fresh[i];
                var score = CodeSimilarity(codes, scale, next);
                if (scratch.ResultCount < ef || score > scratch.WorstResult)
                {
                    scratch.PushCandidate(next, score);
                    if (!checkTombstones || (next != excludeIndex && !NodeAt(next).Deleted))
                    {
                        scratch.PushResult(next, score, ef);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The neighbour-selection heuristic: walk candidates best first and keep one only when it is closer to the
    /// base than to every neighbour already kept, which spreads links across directions (clusters stay connected).
    /// </summary>
    private int[] SelectNeighbours(List<(int Index, float Score)> candidatesDescending, int max)
    {
        Span<int> kept = stackalloc int[max];
        var keptCount = 0;
        for (var i = 0; i < candidatesDescending.Count && keptCount < max; i++)
        {
            var (candidate, score) = candidatesDescending[i];
            var candidateVector = VectorOf(candidate);
            var good = true;
            for (var j = 0; j < keptCount; j++)
            {
                if (TensorPrimitives.Dot(candidateVector, VectorOf(kept[j])) > score)
                {
                    good = false;
                    break;
                }
            }

            if (good)
            {
                kept[keptCount++] = candidate;
            }
        }

        return kept[..keptCount].ToArray();
    }

    private void AddLink(int from, int to, int layer)
    {
        var links = LinksOf(from, layer);
        if (links.Contains(to))
        {
            return;
        }

        var max = MaxLinks(layer);
        if (links.Length < max)
        {
            Span<int> grown = stackalloc int[links.Length + 1];
            links.CopyTo(grown);
            grown[^1] = to;
            SetLinks(from, layer, grown);
            return;
        }

        var candidates = new List<(int Index, float Score)>(links.Length + 1);
        var baseVector = VectorOf(from);
        for (var i = 0; i < links.Length; i++)
        {
            candidates.Add((links[i], TensorPrimitives.Dot(baseVector, VectorOf(links[i]))));
        }

        candidates.Add((to, TensorPrimitives.Dot(baseVector, VectorOf(to))));
        SortDescending(candidates);
        SetLinks(from, layer, SelectNeighbours(candidates, max));
    }

    /// <summary>After a delete: every neighbour that linked to the tombstone picks new links among the tombstone's links and its own.</summary>
    private void RepairAround(int deletedIndex)
    {
        var level = NodeAt(deletedIndex).Level;
        for (var layer = 0; layer <= level; layer++)
        {
            var deletedLinks = LinksOf(deletedIndex, layer).ToArray();
            for (var i = 0; i < deletedLinks.Length; i++)
            {
                var neighbourIndex = deletedLinks[i];
                var neighbour = NodeAt(neighbourIndex);
                if (neighbour.Deleted || layer > neighbour.Level)
                {
                    continue;
                }

                var own = LinksOf(neighbourIndex, layer);
                if (!own.Contains(deletedIndex))
                {
                    continue;
                }

                var candidates = new List<(int Index, float Score)>(own.Length + deletedLinks.Length);
                var selfVector = VectorOf(neighbourIndex);
                AddRepairCandidates(candidates, own, neighbourIndex, selfVector, layer);
                AddRepairCandidates(candidates, deletedLinks, neighbourIndex, selfVector, layer);
                SortDescending(candidates);
                SetLinks(neighbourIndex, layer, SelectNeighbours(candidates, MaxLinks(layer)));
            }
        }
    }

    private void AddRepairCandidates(List<(int Index, float Score)> into, ReadOnlySpan<int> links, int self, ReadOnlySpan<float> selfVector, int layer)
    {
        for (var i = 0; i < links.Length; i++)
        {
            var index = links[i];
            var node = NodeAt(index);
            if (index == self || node.Deleted || layer > node.Level)
            {
                continue;
            }

            var duplicate = false;
            for (var j = 0; j < into.Count; j++)
            {
                if (into[j].Index == index)
                {
                    duplicate = true;
                    break;
                }
            }

            if (!duplicate)
            {
                into.Add((index, TensorPrimitives.Dot(selfVector, VectorOf(index))));
            }
        }
    }

    private static void SortDescending(List<(int Index, float Score)> list) =>
        list.Sort(static (a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Index.CompareTo(b.Index));

    private sealed class Node
    {
        public readonly long Id;
        public readonly int Level;
        public readonly int[][] UpperLinks;
        public volatile bool Deleted;

        public Node(long id, int level)
        {
            Id = id;
            Level = level;
            UpperLinks = new int[level][];
            for (var i = 0; i < level; i++)
            {
                UpperLinks[i] = [];
            }
        }
    }

    private sealed record EntryPoint(int Node, int Level);
}
