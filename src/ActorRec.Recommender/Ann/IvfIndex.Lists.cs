using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Ann;

/// <summary>The layout of <see cref="IvfIndex"/>: the vector arena, the inverted lists, their mutation and training.</summary>
public sealed unsafe partial class IvfIndex
{
    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private void InsertLocked(long id, float[] vector)
    {
        var layout = _layout;
        var node = layout.NodeCount;
        layout.EnsureCapacity(node);
        vector.CopyTo(layout.VectorChunks[node >> ChunkShift].AsSpan((node & ChunkMask) * _dimension, _dimension));
        layout.IdChunks[node >> ChunkShift][node & ChunkMask] = id;
        layout.NodeCount = node + 1;
        var list = layout.Nearest(vector);
        Append(layout, list, node, vector);
        if (node >= _nodeList.Length)
        {
            Array.Resize(ref _nodeList, _nodeList.Length * 2);
        }

        _nodeList[node] = list;
        _idToNode[id] = node;
        Volatile.Write(ref _liveCount, _liveCount + 1);
        MaybeRetrain();
    }

    private void UpdateLocked(int node, float[] vector)
    {
        var layout = _layout;
        var from = _nodeList[node];
        var to = layout.Nearest(vector);
        if (from == to)
        {
            // Same list: vector and code are overwritten in place (see the class remarks).
            vector.CopyTo(layout.VectorChunks[node >> ChunkShift].AsSpan((node & ChunkMask) * _dimension, _dimension));
            var list = layout.Lists[from];
            var position = Array.IndexOf(list.Nodes, node, 0, list.Count);
            Debug.Assert(position >= 0, "A live node is in the list it is recorded in.");
            var scale = Int8Codes.Encode(vector, list.Codes.AsSpan(position * _codeStride, _codeStride));
            Volatile.Write(ref list.Scales[position], scale);
            return;
        }

        // Another list: join it before leaving the old one, inside an odd move epoch (searches drop duplicates).
        Interlocked.Increment(ref _moveEpoch);
        vector.CopyTo(layout.VectorChunks[node >> ChunkShift].AsSpan((node & ChunkMask) * _dimension, _dimension));
        Append(layout, to, node, vector);
        RemoveEntry(layout, from, node);
        _nodeList[node] = to;
        Interlocked.Increment(ref _moveEpoch);
    }

    private void Append(Layout layout, int listIndex, int node, ReadOnlySpan<float> vector)
    {
        var list = layout.Lists[listIndex];
        var count = list.Count;
        var target = list;
        if (count == list.Capacity)
        {
            target = new PostingList(list.Capacity * 2, _codeStride);
            list.CopyTo(target, 0, count, 0);
        }

        target.Scales[count] = Int8Codes.Encode(vector, target.Codes.AsSpan(count * _codeStride, _codeStride));
        target.Nodes[count] = node;
        Volatile.Write(ref target.Count, count + 1);
        if (!ReferenceEquals(target, list))
        {
            Volatile.Write(ref layout.Lists[listIndex], target);
        }
    }

    /// <summary>Publishes a copy of the list without <paramref name="node"/> (readers of the old copy are unaffected).</summary>
    private void RemoveEntry(Layout layout, int listIndex, int node)
    {
        var list = layout.Lists[listIndex];
        var count = list.Count;
        var position = Array.IndexOf(list.Nodes, node, 0, count);
        Debug.Assert(position >= 0, "A live node is in the list it is recorded in.");
        var copy = new PostingList(list.Capacity, _codeStride);
        list.CopyTo(copy, 0, position, 0);
        list.CopyTo(copy, position + 1, count - position - 1, position);
        copy.Count = count - 1;
        Volatile.Write(ref layout.Lists[listIndex], copy);
    }

    private void MaybeRetrain()
    {
        if (_liveCount >= _nextTrainAt || (_garbage > _liveCount && _garbage >= _settings.ListSize))
        {
            Retrain();
        }
    }

    /// <summary>
    /// Trains new centroids on a sample of the live vectors, assigns every live vector to its nearest one, and swaps
    /// in a new layout whose arena is renumbered in list order (deleted slots are dropped).
    /// </summary>
    private void Retrain()
    {
        var old = _layout;
        var live = _liveCount;
        var nodes = new int[live];
        var ids = new long[live];
        var i = 0;
        foreach (var (id, node) in _idToNode)
        {
            ids[i] = id;
            nodes[i++] = node;
        }

        var lists = live < MinTrainSize ? 1 : Math.Max(1, live / _settings.ListSize);
        float[] centroids;
        if (lists == 1)
        {
            centroids = new float[_dimension];
        }
        else
        {
            var sampleCount = Math.Min(live, lists * SamplePerList);
            var sample = new float[sampleCount * _dimension];
            var order = (int[])nodes.Clone();
            for (var s = 0; s < sampleCount; s++)
            {
                var j = _random.Next(s, live);
                (order[s], order[j]) = (order[j], order[s]);
                var row = sample.AsSpan(s * _dimension, _dimension);
                old.VectorOf(order[s]).CopyTo(row);
                AnnVectors.Normalize(row);
            }

            centroids = SphericalKMeans.Train(sample, _dimension, lists, KMeansIterations, _random);
        }

        var assignment = new int[live];
        var sizes = new int[lists];
        for (var n = 0; n < live; n++)
        {
            assignment[n] = lists == 1 ? 0 : SphericalKMeans.Nearest(centroids, _dimension, old.VectorOf(nodes[n]));
            sizes[assignment[n]]++;
        }

        // Counting sort by list: a list's members become consecutive nodes of the new arena.
        var starts = new int[lists];
        for (var l = 1; l < lists; l++)
        {
            starts[l] = starts[l - 1] + sizes[l - 1];
        }

        var layout = new Layout(_dimension, _codeStride, centroids, sizes);
        var nodeList = new int[Math.Max(ChunkSize, live + (live / 4))];
        _idToNode.Clear();
        for (var n = 0; n < live; n++)
        {
            var list = assignment[n];
            var renumbered = starts[list]++;
            layout.EnsureCapacity(renumbered);
            var vector = old.VectorOf(nodes[n]);
            vector.CopyTo(layout.VectorChunks[renumbered >> ChunkShift].AsSpan((renumbered & ChunkMask) * _dimension, _dimension));
            layout.IdChunks[renumbered >> ChunkShift][renumbered & ChunkMask] = ids[n];
            nodeList[renumbered] = list;
            _idToNode[ids[n]] = renumbered;
        }

        // Entries are appended in node order, so each list is a run of the arena.
        layout.NodeCount = live;
        for (var node = 0; node < live; node++)
        {
            Append(layout, nodeList[node], node, layout.VectorOf(node));
        }

        _nodeList = nodeList;
        _garbage = 0;
        _nextTrainAt = Math.Max(MinTrainSize, (int)Math.Min(int.MaxValue, live * Growth));
        Trainings++;
        Volatile.Write(ref _layout, layout);
    }

    /// <summary>Scores every entry of <paramref name="list"/> on the int8 codes into the candidate heap; returns its new size.</summary>
    private int ScanList(PostingList list, sbyte* query, Span<int> nodes, Span<float> scores, int count)
    {
        var n = Volatile.Read(ref list.Count);
        fixed (sbyte* codes = list.Codes)
        fixed (float* scales = list.Scales)
        fixed (int* members = list.Nodes)
        {
            return ScanCodes(query, codes, scales, members, n, nodes, scores, count);
        }
    }

    /// <summary>
    /// Offers <c>scale × (query · code)</c> of <paramref name="n"/> code rows to the min-heap in
    /// <paramref name="nodes"/>/<paramref name="scores"/> (capacity: their length) under the row's member number.
    /// </summary>
    private int ScanCodes(sbyte* query, sbyte* codes, float* scales, int* members, int n, Span<int> nodes, Span<float> scores, int count)
    {
        var capacity = nodes.Length;
        var i = 0;
        if (Avx512BW.IsSupported && _codeStride == 64)
        {
            // The common 64-d case, four rows a step: each row is two vpmaddwd, the four 16-lane sums are folded
            // into one 4-lane vector (halves, then three hadds), scaled, and compared with the heap's worst at once.
            var q0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(query));
            var q1 = Avx512BW.ConvertToVector512Int16(Vector256.Load(query + 32));
            for (; i + 4 <= n; i += 4)
            {
                var p = codes + (i * 64);

                // Rows 16 ahead: a cold list streams from DRAM faster than the stream prefetcher ramps up.
                Sse.Prefetch0(p + 1024);
                Sse.Prefetch0(p + 1088);
                Sse.Prefetch0(p + 1152);
                Sse.Prefetch0(p + 1216);
                Sse.Prefetch0(scales + i + 64);
                var b0 = Fold(Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(p)), q0)
                    + Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(p + 32)), q1));
                var b1 = Fold(Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(p + 64)), q0)
                    + Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(p + 96)), q1));
                var b2 = Fold(Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(p + 128)), q0)
                    + Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(p + 160)), q1));
                var b3 = Fold(Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(p + 192)), q0)
                    + Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(p + 224)), q1));
                var h = Avx2.HorizontalAdd(Avx2.HorizontalAdd(b0, b1), Avx2.HorizontalAdd(b2, b3));
                var sums = h.GetLower() + h.GetUpper();
                var s = Vector128.ConvertToSingle(sums) * Vector128.Load(scales + i);
                if (count == capacity && !Vector128.GreaterThanAny(s, Vector128.Create(scores[0])))
                {
                    continue;
                }

                for (var j = 0; j < 4; j++)
                {
                    var score = s.GetElement(j);
                    if (count < capacity || score > scores[0])
                    {
                        TopK.Offer(nodes, scores, ref count, members[i + j], score);
                    }
                }
            }
        }

        for (; i < n; i++)
        {
            var score = Int8Codes.Dot(query, codes + (i * _codeStride), _codeStride) * scales[i];
            if (count < capacity || score > scores[0])
            {
                TopK.Offer(nodes, scores, ref count, members[i], score);
            }
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Fold(Vector512<int> x) => x.GetLower() + x.GetUpper();

    /// <summary>One inverted list: int8 codes, scales and node numbers side by side; entries below <see cref="Count"/> are complete.</summary>
    private sealed class PostingList
    {
        public readonly sbyte[] Codes;
        public readonly float[] Scales;
        public readonly int[] Nodes;
        public int Count;

        public PostingList(int capacity, int stride)
        {
            Codes = new sbyte[capacity * stride];
            Scales = new float[capacity];
            Nodes = new int[capacity];
        }

        public int Capacity => Nodes.Length;

        public void CopyTo(PostingList target, int from, int length, int to)
        {
            var stride = Codes.Length / Capacity;
            Array.Copy(Codes, from * stride, target.Codes, to * stride, length * stride);
            Array.Copy(Scales, from, target.Scales, to, length);
            Array.Copy(Nodes, from, target.Nodes, to, length);
        }
    }

    /// <summary>Centroids, lists and the vector arena of one training; replaced whole by the next.</summary>
    private sealed class Layout
    {
        public readonly float[] Centroids;
        public readonly PostingList Coarse;
        public readonly PostingList[] Lists;
        public float[][] VectorChunks = [];
        public long[][] IdChunks = [];
        public int NodeCount;
        private readonly int _dimension;

        public Layout(int dimension, int codeStride, float[] centroids, ReadOnlySpan<int> sizes)
        {
            _dimension = dimension;
            Centroids = centroids;

            // The centroids' int8 codes, scanned like a list to pick the probes (a quarter of the float bytes).
            Coarse = new PostingList(sizes.Length, codeStride);
            for (var l = 0; l < sizes.Length; l++)
            {
                Coarse.Scales[l] = Int8Codes.Encode(centroids.AsSpan(l * dimension, dimension), Coarse.Codes.AsSpan(l * codeStride, codeStride));
                Coarse.Nodes[l] = l;
            }

            Coarse.Count = sizes.Length;
            Lists = new PostingList[sizes.Length];
            for (var l = 0; l < sizes.Length; l++)
            {
                Lists[l] = new PostingList(Math.Max(16, sizes[l] + (sizes[l] / 4)), codeStride);
            }
        }

        public static Layout Flat(int dimension, int codeStride) => new(dimension, codeStride, new float[dimension], [0]);

        public int Nearest(ReadOnlySpan<float> vector) =>
            Lists.Length == 1 ? 0 : SphericalKMeans.Nearest(Centroids, _dimension, vector);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ReadOnlySpan<float> VectorOf(int node) =>
            Volatile.Read(ref VectorChunks)[node >> ChunkShift].AsSpan((node & ChunkMask) * _dimension, _dimension);

        public long IdOf(int node) => Volatile.Read(ref IdChunks)[node >> ChunkShift][node & ChunkMask];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void PrefetchVector(int node)
        {
            if (Sse.IsSupported)
            {
                fixed (float* p = &Volatile.Read(ref VectorChunks)[node >> ChunkShift][(node & ChunkMask) * _dimension])
                {
                    var bytes = Math.Min(_dimension * sizeof(float), 1024);
                    for (var offset = 0; offset < bytes; offset += 64)
                    {
                        Sse.Prefetch0((byte*)p + offset);
                    }
                }
            }
        }

        /// <summary>Starts loading the first rows of a list's codes and scales (a probe is about to be scanned).</summary>
        public void PrefetchListHead(int listIndex)
        {
            if (!Sse.IsSupported)
            {
                return;
            }

            var list = Volatile.Read(ref Lists[listIndex]);
            var bytes = Math.Min(list.Codes.Length, 1024);
            fixed (sbyte* codes = list.Codes)
            fixed (float* scales = list.Scales)
            {
                for (var offset = 0; offset < bytes; offset += 64)
                {
                    Sse.Prefetch0((byte*)codes + offset);
                }

                Sse.Prefetch0(scales);
            }
        }

        /// <summary>Grows the chunk directories (copy, then swap) so <paramref name="node"/> has a slot.</summary>
        public void EnsureCapacity(int node)
        {
            var chunk = node >> ChunkShift;
            if (chunk < VectorChunks.Length)
            {
                return;
            }

            var vectors = new float[chunk + 1][];
            Array.Copy(VectorChunks, vectors, VectorChunks.Length);
            var ids = new long[chunk + 1][];
            Array.Copy(IdChunks, ids, IdChunks.Length);
            for (var c = VectorChunks.Length; c <= chunk; c++)
            {
                vectors[c] = new float[ChunkSize * _dimension];
                ids[c] = new long[ChunkSize];
            }

            Volatile.Write(ref VectorChunks, vectors);
            Volatile.Write(ref IdChunks, ids);
        }
    }
}
