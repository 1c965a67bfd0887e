namespace ActorRec.Recommender.Ann;

/// <summary>The locality-preserving copy of <see cref="HnswIndex"/>.</summary>
public sealed unsafe partial class HnswIndex
{
    /// <summary>
    /// Returns a copy of this index with the same graph, ids, vectors and tombstones, its nodes renumbered in
    /// breadth-first order of layer 0 from the entry point, so nodes that a search visits together lie together in
    /// memory (one cluster's codes in a few pages instead of spread over the whole arena). Searches keep their
    /// answers (the graph is the same up to the renumbering); they touch fewer pages and cache lines, which is what
    /// a walk over a large index waits on. Writers are held off while the copy is made; readers are not. The caller
    /// swaps the returned index in; mutations applied to this index afterwards are not in the copy.
    /// </summary>
    public HnswIndex Compact()
    {
        lock (_writeLock)
        {
            var copy = new HnswIndex(_settings);
            var n = _nodeCount;
            if (n == 0 || _entry is null)
            {
                return copy;
            }

            var order = new int[n];
            var renumber = new int[n];
            Array.Fill(renumber, -1);
            var numbered = 0;
            var head = 0;
            var scan = 0;
            renumber[_entry.Node] = numbered;
            order[numbered++] = _entry.Node;
            while (numbered < n)
            {
                if (head == numbered)
                {
                    // The rest is unreachable on layer 0 from what is numbered so far: continue from the next one.
                    while (renumber[scan] >= 0)
                    {
                        scan++;
                    }

                    renumber[scan] = numbered;
                    order[numbered++] = scan;
                }

                var links = LinksOf(order[head++], 0);
                for (var i = 0; i < links.Length; i++)
                {
                    if (renumber[links[i]] < 0)
                    {
                        renumber[links[i]] = numbered;
                        order[numbered++] = links[i];
                    }
                }
            }

            Span<int> remapped = stackalloc int[_stride0];
            for (var to = 0; to < n; to++)
            {
                var from = order[to];
                copy.EnsureCapacity(to);
                VectorOf(from).CopyTo(copy._vectorChunks[to >> ChunkShift].AsSpan((to & ChunkMask) * _dimension, _dimension));
                _codeChunks[from >> ChunkShift].AsSpan((from & ChunkMask) * _codeStride, _codeStride)
                    .CopyTo(copy._codeChunks[to >> ChunkShift].AsSpan((to & ChunkMask) * _codeStride, _codeStride));
                copy._scaleChunks[to >> ChunkShift][to & ChunkMask] = ScaleOf(from);
                var node = NodeAt(from);
                var moved = new Node(node.Id, node.Level) { Deleted = node.Deleted };
                for (var layer = 1; layer <= node.Level; layer++)
                {
                    var upper = node.UpperLinks[layer - 1];
                    var mapped = new int[upper.Length];
                    for (var i = 0; i < upper.Length; i++)
                    {
                        mapped[i] = renumber[upper[i]];
                    }

                    moved.UpperLinks[layer - 1] = mapped;
                }

                copy._nodes[to] = moved;
                var links = LinksOf(from, 0);
                for (var i = 0; i < links.Length; i++)
                {
                    remapped[i] = renumber[links[i]];
                }

                copy.SetLinks(to, 0, remapped[..links.Length]);
                if (!node.Deleted)
                {
                    copy._idToNode[node.Id] = to;
                }
            }

            copy._nodeCount = n;
            copy._liveCount = _liveCount;
            copy._tombstones = _tombstones;
            copy._entry = new EntryPoint(renumber[_entry.Node], _entry.Level);
            return copy;
        }
    }
}
