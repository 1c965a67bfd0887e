using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace ActorRec.Compute.Cpu;

/*
 * Why the scoring loops look the way they do.
 *
 * Scoring B queries against C candidate rows of D floats is B·C·D multiply-adds over C·D floats of candidates.
 * Read naively (per query, every candidate) the candidates stream from memory B times and the kernel is
 * bandwidth-bound at every batch size. Here the candidates are walked in tiles of `tileRows` rows (sized to stay
 * in L2); every query block of `queryBlock` queries (small enough to stay in L1) is scored against the tile before
 * the next tile is touched. So each candidate row comes from memory once per call, and from L2 once per query
 * block. The micro-kernel (Dot1x4) takes one vector and four others: one candidate row against four queries for
 * shared scoring, one query against four gathered rows for per-query scoring; four independent accumulators hide
 * the FMA latency. The tail of a row that does not fill a vector is summed scalar, so any dimension works.
 *
 * Everything is pointer-based because the same code runs on worker threads of Parallel.For, which cannot capture
 * spans; callers pin the inputs for the duration of the (synchronous) call.
 */

/// <summary>The kernels of one SIMD width, selected once per backend.</summary>
internal abstract unsafe class CpuKernelSet
{
    [ThreadStatic]
    private static float[]? t_scratch;

    public abstract string WidthName { get; }

    public abstract void ScoreSharedRange(float* queries, int batch, int dim, float* table, int* rows, int cStart, int cEnd, float* scores, int candidates, int queryBlock, int tileRows);

    public abstract void ScoreGatheredRange(float* queries, int dim, float* table, int* rows, int candidatesPerQuery, int bStart, int bEnd, float* scores);

    public abstract void GemmRows(float* a, float* b, float* c, int iStart, int iEnd, int k, int n);

    /// <summary>This thread's pinned scratch tile (allocated once per thread on the pinned object heap, grown if needed).</summary>
    protected static float* Scratch(long floats)
    {
        if (t_scratch is null || t_scratch.Length < floats)
        {
            t_scratch = GC.AllocateUninitializedArray<float>((int)Math.Max(floats, 16384), pinned: true);
        }

        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(t_scratch));
    }

    public static CpuKernelSet Create(SimdLevel level) => level switch
    {
        SimdLevel.Vector512 => new CpuKernels<Simd512, System.Runtime.Intrinsics.Vector512<float>>("Vector512"),
        SimdLevel.Vector256 => new CpuKernels<Simd256, System.Runtime.Intrinsics.Vector256<float>>("Vector256"),
        SimdLevel.Vector128 => new CpuKernels<Simd128, System.Runtime.Intrinsics.Vector128<float>>("Vector128"),
        SimdLevel.Scalar => new CpuKernels<SimdScalar, float>("scalar"),
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Resolve Best before creating kernels."),
    };
}

internal sealed unsafe class CpuKernels<TS, TV>(string widthName) : CpuKernelSet
    where TS : struct, ISimd<TV>
    where TV : struct
{
    /// <summary>How many candidate rows ahead the shared-scoring loop prefetches (measured: 8..128 perform alike).</summary>
    private const int PrefetchDistance = 32;

    public override string WidthName { get; } = widthName;

    public override void ScoreSharedRange(float* queries, int batch, int dim, float* table, int* rows, int cStart, int cEnd, float* scores, int candidates, int queryBlock, int tileRows)
    {
        // With four or more queries each row feeds many multiply-adds; then the tile's gathered rows are first
        // copied into a contiguous per-thread scratch tile (a pure memory loop with many misses in flight), and
        // the queries are scored against the scratch tile from L1/L2.
        var gather = rows != null && batch >= 4;
        var scratch = gather ? Scratch((long)tileRows * dim) : null;
        for (var t0 = cStart; t0 < cEnd; t0 += tileRows)
        {
            var t1 = Math.Min(t0 + tileRows, cEnd);
            var tileTable = table;
            var tileIds = rows;
            if (gather)
            {
                for (var c = t0; c < t1; c++)
                {
                    var ahead = c + PrefetchDistance;
                    if (ahead < cEnd)
                    {
                        Prefetch(table + ((long)rows[ahead] * dim), dim);
                    }

                    Buffer.MemoryCopy(table + ((long)rows[c] * dim), scratch + ((long)(c - t0) * dim), (long)dim * sizeof(float), (long)dim * sizeof(float));
                }

                tileTable = scratch - ((long)t0 * dim); // RowOf(tileTable, null, c) = scratch row c - t0
                tileIds = null;
            }

            for (var q0 = 0; q0 < batch; q0 += queryBlock)
            {
                var q1 = Math.Min(q0 + queryBlock, batch);
                var qFull = q0 + ((q1 - q0) & ~3);
                for (var c = t0; c < t1; c++)
                {
                    var row = RowOf(tileTable, tileIds, c, dim);
                    var ahead = c + PrefetchDistance;
                    if (!gather && q0 == 0 && ahead < cEnd)
                    {
                        // Fetch rows ahead while this one is computed (the gathered case fetched its tile above).
                        Prefetch(RowOf(table, rows, ahead, dim), dim);
                    }

                    for (var q = q0; q < qFull; q += 4)
                    {
                        var query = queries + ((long)q * dim);
                        Dot1x4(row, query, query + dim, query + (2 * dim), query + (3 * dim), dim, scores + ((long)q * candidates) + c, candidates);
                    }
                }

                // The last 1-3 queries of the block: one query against four rows at a time (independent accumulators).
                for (var q = qFull; q < q1; q++)
                {
                    var query = queries + ((long)q * dim);
                    var output = scores + ((long)q * candidates);
                    var c = t0;
                    for (; c + 4 <= t1; c += 4)
                    {
                        Dot1x4(query, RowOf(tileTable, tileIds, c, dim), RowOf(tileTable, tileIds, c + 1, dim), RowOf(tileTable, tileIds, c + 2, dim), RowOf(tileTable, tileIds, c + 3, dim), dim, output + c, 1);
                    }

                    for (; c < t1; c++)
                    {
                        output[c] = Dot1x1(query, RowOf(tileTable, tileIds, c, dim), dim);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* RowOf(float* table, int* rows, int c, int dim) => table + ((long)(rows == null ? c : rows[c]) * dim);

    public override void ScoreGatheredRange(float* queries, int dim, float* table, int* rows, int candidatesPerQuery, int bStart, int bEnd, float* scores)
    {
        for (var b = bStart; b < bEnd; b++)
        {
            var query = queries + ((long)b * dim);
            var rowIds = rows + ((long)b * candidatesPerQuery);
            var output = scores + ((long)b * candidatesPerQuery);
            var c = 0;
            for (; c + 4 <= candidatesPerQuery; c += 4)
            {
                if (c + 16 < candidatesPerQuery)
                {
                    Prefetch(table + ((long)rowIds[c + 12] * dim), dim);
                    Prefetch(table + ((long)rowIds[c + 13] * dim), dim);
                    Prefetch(table + ((long)rowIds[c + 14] * dim), dim);
                    Prefetch(table + ((long)rowIds[c + 15] * dim), dim);
                }

                Dot1x4(
                    query,
                    table + ((long)rowIds[c] * dim),
                    table + ((long)rowIds[c + 1] * dim),
                    table + ((long)rowIds[c + 2] * dim),
                    table + ((long)rowIds[c + 3] * dim),
                    dim,
                    output + c,
                    1);
            }

            for (; c < candidatesPerQuery; c++)
            {
                output[c] = Dot1x1(query, table + ((long)rowIds[c] * dim), dim);
            }
        }
    }

    public override void GemmRows(float* a, float* b, float* c, int iStart, int iEnd, int k, int n)
    {
        var w = TS.Width;
        for (var i = iStart; i < iEnd; i++)
        {
            var aRow = a + ((long)i * k);
            var cRow = c + ((long)i * n);
            var j = 0;
            for (; j + (4 * w) <= n; j += 4 * w)
            {
                TV acc0 = TS.Zero, acc1 = TS.Zero, acc2 = TS.Zero, acc3 = TS.Zero;
                for (var p = 0; p < k; p++)
                {
                    var x = TS.Broadcast(aRow[p]);
                    var bRow = b + ((long)p * n) + j;
                    acc0 = TS.MulAdd(x, TS.Load(bRow), acc0);
                    acc1 = TS.MulAdd(x, TS.Load(bRow + w), acc1);
                    acc2 = TS.MulAdd(x, TS.Load(bRow + (2 * w)), acc2);
                    acc3 = TS.MulAdd(x, TS.Load(bRow + (3 * w)), acc3);
                }

                TS.Store(acc0, cRow + j);
                TS.Store(acc1, cRow + j + w);
                TS.Store(acc2, cRow + j + (2 * w));
                TS.Store(acc3, cRow + j + (3 * w));
            }

            for (; j + w <= n; j += w)
            {
                var acc = TS.Zero;
                for (var p = 0; p < k; p++)
                {
                    acc = TS.MulAdd(TS.Broadcast(aRow[p]), TS.Load(b + ((long)p * n) + j), acc);
                }

                TS.Store(acc, cRow + j);
            }

            for (; j < n; j++)
            {
                var sum = 0f;
                for (var p = 0; p < k; p++)
                {
                    sum = MathF.FusedMultiplyAdd(aRow[p], b[((long)p * n) + j], sum);
                }

                cRow[j] = sum;
            }
        }
    }

    /// <summary>Four dot products of <paramref name="x"/> with y0..y3, written to dst[0], dst[stride], dst[2·stride], dst[3·stride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot1x4(float* x, float* y0, float* y1, float* y2, float* y3, int dim, float* dst, long stride)
    {
        var w = TS.Width;
        TV acc0 = TS.Zero, acc1 = TS.Zero, acc2 = TS.Zero, acc3 = TS.Zero;
        var i = 0;
        for (; i + w <= dim; i += w)
        {
            var v = TS.Load(x + i);
            acc0 = TS.MulAdd(v, TS.Load(y0 + i), acc0);
            acc1 = TS.MulAdd(v, TS.Load(y1 + i), acc1);
            acc2 = TS.MulAdd(v, TS.Load(y2 + i), acc2);
            acc3 = TS.MulAdd(v, TS.Load(y3 + i), acc3);
        }

        float s0 = TS.Sum(acc0), s1 = TS.Sum(acc1), s2 = TS.Sum(acc2), s3 = TS.Sum(acc3);
        for (; i < dim; i++)
        {
            var v = x[i];
            s0 = MathF.FusedMultiplyAdd(v, y0[i], s0);
            s1 = MathF.FusedMultiplyAdd(v, y1[i], s1);
            s2 = MathF.FusedMultiplyAdd(v, y2[i], s2);
            s3 = MathF.FusedMultiplyAdd(v, y3[i], s3);
        }

        dst[0] = s0;
        dst[stride] = s1;
        dst[2 * stride] = s2;
        dst[3 * stride] = s3;
    }

    /// <summary>Software prefetch of every cache line of one row (x86; a no-op elsewhere).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(float* row, int dim)
    {
        if (Sse.IsSupported)
        {
            for (var i = 0; i < dim; i += 16)
            {
                Sse.Prefetch0(row + i);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot1x1(float* x, float* y, int dim)
    {
        var w = TS.Width;
        var acc = TS.Zero;
        var i = 0;
        for (; i + w <= dim; i += w)
        {
            acc = TS.MulAdd(TS.Load(x + i), TS.Load(y + i), acc);
        }

        var sum = TS.Sum(acc);
        for (; i < dim; i++)
        {
            sum = MathF.FusedMultiplyAdd(x[i], y[i], sum);
        }

        return sum;
    }
}
