using System.Runtime.Intrinsics.X86;

namespace ActorRec.Recommender.Ann;

/// <summary>The arenas of <see cref="HnswIndex"/>: chunked vectors, int8 codes and scales, layer-0 link slots, prefetch.</summary>
public sealed unsafe partial class HnswIndex
{
    private Node NodeAt(int index)
    {
        var table = Volatile.Read(ref _nodes);
        if ((uint)index >= (uint)table.Length)
        {
            table = Volatile.Read(ref _nodes);
        }

        return Volatile.Read(ref table[index])!;
    }

    private ReadOnlySpan<float> VectorOf(int index)
    {
        var chunks = Volatile.Read(ref _vectorChunks);
        var chunk = index >> ChunkShift;
        if (chunk >= chunks.Length)
        {
            chunks = Volatile.Read(ref _vectorChunks);
        }

        return chunks[chunk].AsSpan((index & ChunkMask) * _dimension, _dimension);
    }

    /// <summary>A node's links on a layer. Layer 0 is a view of the shared slot (see the class remarks).</summary>
    private ReadOnlySpan<int> LinksOf(int index, int layer)
    {
        if (layer > 0)
        {
            return Volatile.Read(ref NodeAt(index).UpperLinks[layer - 1]);
        }

        var chunks = Volatile.Read(ref _linkChunks);
        var chunk = index >> ChunkShift;
        if (chunk >= chunks.Length)
        {
            chunks = Volatile.Read(ref _linkChunks);
        }

        var slot = chunks[chunk].AsSpan((index & ChunkMask) * _stride0, _stride0);
        var count = Math.Min(Volatile.Read(ref slot[0]), _stride0 - 1);
        return slot.Slice(1, count);
    }

    private sbyte* CodesOf(int index)
    {
        var chunks = Volatile.Read(ref _codeChunks);
        var chunk = index >> ChunkShift;
        if (chunk >= chunks.Length)
        {
            chunks = Volatile.Read(ref _codeChunks);
        }

        // Code chunks are allocated pinned: the address is stable for the index's lifetime.
        return (sbyte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref chunks[chunk][(index & ChunkMask) * _codeStride]);
    }

    private float ScaleOf(int index)
    {
        var chunks = Volatile.Read(ref _scaleChunks);
        var chunk = index >> ChunkShift;
        if (chunk >= chunks.Length)
        {
            chunks = Volatile.Read(ref _scaleChunks);
        }

        return Volatile.Read(ref chunks[chunk][index & ChunkMask]);
    }

    /// <summary>Writes a node's code row and scale (before the node is published, or in place on update).</summary>
    private void WriteCodes(int index, ReadOnlySpan<float> vector)
    {
        Span<sbyte> codes = _codeStride <= 1024 ? stackalloc sbyte[_codeStride] : new sbyte[_codeStride];
        var scale = Int8Codes.Encode(vector, codes);
        codes.CopyTo(_codeChunks[index >> ChunkShift].AsSpan((index & ChunkMask) * _codeStride, _codeStride));
        Volatile.Write(ref _scaleChunks[index >> ChunkShift][index & ChunkMask], scale);
    }

    private void EnsureCapacity(int index)
    {
        if (index == _nodes.Length)
        {
            var grown = new Node?[_nodes.Length * 2];
            Array.Copy(_nodes, grown, _nodes.Length);
            Volatile.Write(ref _nodes, grown);
        }

        var chunk = index >> ChunkShift;
        if (chunk == _vectorChunks.Length)
        {
            var vectors = new float[chunk + 1][];
            Array.Copy(_vectorChunks, vectors, chunk);
            vectors[chunk] = GC.AllocateArray<float>(ChunkSize * _dimension, pinned: true);
            Volatile.Write(ref _vectorChunks, vectors);
            var links = new int[chunk + 1][];
            Array.Copy(_linkChunks, links, chunk);
            links[chunk] = GC.AllocateArray<int>(ChunkSize * _stride0, pinned: true);
            Volatile.Write(ref _linkChunks, links);
            var codes = new sbyte[chunk + 1][];
            Array.Copy(_codeChunks, codes, chunk);
            codes[chunk] = GC.AllocateArray<sbyte>(ChunkSize * _codeStride, pinned: true);
            Volatile.Write(ref _codeChunks, codes);
            var scales = new float[chunk + 1][];
            Array.Copy(_scaleChunks, scales, chunk);
            scales[chunk] = new float[ChunkSize];
            Volatile.Write(ref _scaleChunks, scales);
        }
    }

    private void PrefetchLinks(int index)
    {
        if (Sse.IsSupported && index >= 0)
        {
            var chunks = Volatile.Read(ref _linkChunks);
            var chunk = index >> ChunkShift;
            if (chunk < chunks.Length)
            {
                var p = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref chunks[chunk][(index & ChunkMask) * _stride0]);
                Sse.Prefetch0(p);
                Sse.Prefetch0(p + 64);
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void Prefetch(int index)
    {
        if (Sse.IsSupported)
        {
            var chunks = Volatile.Read(ref _codeChunks);
            var chunk = index >> ChunkShift;
            if (chunk < chunks.Length)
            {
                // Chunks are allocated pinned, so the address is stable without a fixed block.
                var p = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref chunks[chunk][(index & ChunkMask) * _codeStride]);
                Sse.Prefetch0(p);
                for (var offset = 64; offset < _codeStride && offset < 256; offset += 64)
                {
                    Sse.Prefetch0(p + offset);
                }
            }

            // The scale lives in its own array: without this its cache line is a second, serial miss per score.
            var scales = Volatile.Read(ref _scaleChunks);
            if (chunk < scales.Length)
            {
                Sse.Prefetch0(System.Runtime.CompilerServices.Unsafe.AsPointer(ref scales[chunk][index & ChunkMask]));
            }
        }
    }

    /// <summary>Starts loading a node's float vector (the exact re-rank reads a few hundred of them at random).</summary>
    private void PrefetchVector(int index)
    {
        if (Sse.IsSupported)
        {
            var chunks = Volatile.Read(ref _vectorChunks);
            var chunk = index >> ChunkShift;
            if (chunk < chunks.Length)
            {
                var p = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref chunks[chunk][(index & ChunkMask) * _dimension]);
                var bytes = Math.Min(_dimension * sizeof(float), 1024);
                for (var offset = 0; offset < bytes; offset += 64)
                {
                    Sse.Prefetch0(p + offset);
                }
            }
        }
    }
}
