using System.Runtime.CompilerServices;

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
    public abstract string WidthName { get; }

    public abstract void ScoreSharedRange(float* queries, int batch, int dim, float* table, int* rows, int cStart, int cEnd, float* scores, int candidates, int queryBlock, int tileRows);

    public abstract void ScoreGatheredRange(float* queries, int dim, float* table, int* rows, int candidatesPerQuery, int bStart, int bEnd, float* scores);

    public abstract void GemmRows(float* a, float* b, float* c, int iStart, int iEnd, int k, int n);

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
    public override string WidthName { get; } = widthName;

    public override void ScoreSharedRange(float* queries, int batch, int dim, float* table, int* rows, int cStart, int cEnd, float* scores, int candidates, int queryBlock, int tileRows)
    {
        for (var t0 = cStart; t0 < cEnd; t0 += tileRows)
        {
            var t1 = Math.Min(t0 + tileRows, cEnd);
            for (var q0 = 0; q0 < batch; q0 += queryBlock)
            {
                var q1 = Math.Min(q0 + queryBlock, batch);
                for (var c = t0; c < t1; c++)
                {
                    var row = table + ((long)(rows == null ? c : rows[c]) * dim);
                    var q = q0;
                    for (; q + 4 <= q1; q += 4)
                    {
                        var query = queries + ((long)q * dim);
                        Dot1x4(row, query, query + dim, query + (2 * dim), query + (3 * dim), dim, scores + ((long)q * candidates) + c, candidates);
                    }

                    for (; q < q1; q++)
                    {
                        scores[((long)q * candidates) + c] = Dot1x1(row, queries + ((long)q * dim), dim);
                    }
                }
            }
        }
    }

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
