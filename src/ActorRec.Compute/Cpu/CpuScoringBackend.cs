using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace ActorRec.Compute.Cpu;

/// <summary>
/// The default backend: SIMD kernels (widest of Vector512 / 256 / 128 / scalar the hardware accelerates) on the
/// calling thread, split over a <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/> of partitions
/// when a call's work reaches <see cref="ComputeSettings.ParallelThreshold"/> multiply-adds.
/// </summary>
/// <remarks>
/// Allocation: a call below the threshold allocates nothing. A parallel call reuses a per-thread job object and
/// its cached delegate, so only the TPL's own per-loop bookkeeping is allocated. Top-K rents its score buffer
/// from <see cref="ArrayPool{T}.Shared"/>.
/// </remarks>
public sealed unsafe class CpuScoringBackend : IScoringBackend
{
    [ThreadStatic]
    private static ParallelJob? t_job;

    private readonly CpuKernelSet _kernels;
    private readonly ParallelOptions _parallelOptions;
    private readonly int _threads;
    private readonly long _parallelThreshold;
    private readonly int _queryBlock;

    public CpuScoringBackend(ComputeSettings settings, SimdLevel level = SimdLevel.Best)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Level = level == SimdLevel.Best ? BestLevel() : level;
        _kernels = CpuKernelSet.Create(Level);
        _threads = settings.EffectiveThreads;
        _parallelThreshold = settings.ParallelThreshold;
        _queryBlock = settings.QueryBlock;
        _parallelOptions = new ParallelOptions { MaxDegreeOfParallelism = _threads };
        Name = $"cpu ({_kernels.WidthName}, {_threads} threads)";
    }

    /// <summary>The SIMD rung this backend runs.</summary>
    public SimdLevel Level { get; }

    public string Name { get; }

    /// <summary>The widest SIMD width this machine accelerates.</summary>
    public static SimdLevel BestLevel() =>
        Vector512.IsHardwareAccelerated ? SimdLevel.Vector512
        : Vector256.IsHardwareAccelerated ? SimdLevel.Vector256
        : Vector128.IsHardwareAccelerated ? SimdLevel.Vector128
        : SimdLevel.Scalar;

    public void ScoreShared(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, Span<float> scores)
    {
        ScoringArgs.CheckShared(queries, batch, table, candidateRows, scores);
        if (batch == 0 || candidateRows.IsEmpty)
        {
            return;
        }

        fixed (float* q = queries)
        fixed (float* t = table.AsSpan())
        fixed (int* r = candidateRows)
        fixed (float* s = scores)
        {
            RunShared(q, batch, table.Dimension, t, r, candidateRows.Length, s);
        }
    }

    public void ScoreGathered(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, int candidatesPerQuery, Span<float> scores)
    {
        ScoringArgs.CheckGathered(queries, batch, table, candidateRows, candidatesPerQuery, scores);
        if (batch == 0 || candidatesPerQuery == 0)
        {
            return;
        }

        var dim = table.Dimension;
        fixed (float* q = queries)
        fixed (float* t = table.AsSpan())
        fixed (int* r = candidateRows)
        fixed (float* s = scores)
        {
            var work = (long)batch * candidatesPerQuery * dim;
            if (work < _parallelThreshold || _threads == 1 || batch == 1)
            {
                _kernels.ScoreGatheredRange(q, dim, t, r, candidatesPerQuery, 0, batch, s);
                return;
            }

            var job = Job();
            job.Set(JobKind.Gathered, q, batch, dim, t, r, candidatesPerQuery, s, Math.Min(batch, _threads * 4));
            Run(job);
        }
    }

    public void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        ScoringArgs.CheckGemm(a, b, c, m, k, n);
        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            RunGemm(pa, pb, pc, m, k, n);
        }
    }

    public void Dense(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, int m, int k, int n, Activation activation)
    {
        ScoringArgs.CheckDense(input, weights, bias, output, m, k, n, activation);
        Gemm(input, weights, output, m, k, n);
        for (var r = 0; r < m; r++)
        {
            var row = output.Slice(r * n, n);
            TensorPrimitives.Add(row, bias, row);
        }

        ApplyActivation(output, activation);
    }

    public void AddBias(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int columns)
    {
        ScoringArgs.CheckBias(matrix, bias, rows, columns);
        for (var r = 0; r < rows; r++)
        {
            var row = matrix.Slice(r * columns, columns);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    public void Relu(Span<float> values) => ApplyActivation(values, Activation.Relu);

    public void Sigmoid(Span<float> values) => ApplyActivation(values, Activation.Sigmoid);

    public int TopK(ReadOnlySpan<float> query, IEmbeddingTable table, int k, Span<int> rows, Span<float> scores)
    {
        ScoringArgs.CheckTopK(query, table, k, rows, scores);
        if (k == 0 || table.Rows == 0)
        {
            return 0;
        }

        var all = ArrayPool<float>.Shared.Rent(table.Rows);
        try
        {
            fixed (float* q = query)
            fixed (float* t = table.AsSpan())
            fixed (float* s = all)
            {
                RunShared(q, 1, table.Dimension, t, null, table.Rows, s);
            }

            return TopKSelector.Select(all.AsSpan(0, table.Rows), k, rows, scores);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(all);
        }
    }

    public void Dispose()
    {
        // Nothing native to release; the interface is disposable for the GPU backends.
    }

    internal static void ApplyActivation(Span<float> values, Activation activation)
    {
        if (values.IsEmpty)
        {
            return; // TensorPrimitives.Sigmoid rejects empty spans
        }

        if (activation == Activation.Relu)
        {
            TensorPrimitives.Max(values, 0f, values);
        }
        else if (activation == Activation.Sigmoid)
        {
            TensorPrimitives.Sigmoid(values, values);
        }
    }

    private void RunShared(float* q, int batch, int dim, float* t, int* r, int candidates, float* s)
    {
        var tileRows = Math.Max(8, 65536 / (dim * sizeof(float)));
        var work = (long)batch * candidates * dim;
        if (work < _parallelThreshold || _threads == 1)
        {
            _kernels.ScoreSharedRange(q, batch, dim, t, r, 0, candidates, s, candidates, _queryBlock, tileRows);
            return;
        }

        var job = Job();
        job.TileRows = tileRows;
        job.QueryBlock = _queryBlock;
        if (candidates >= _threads * 64)
        {
            // Split the candidates: every worker streams its own share of rows once.
            job.Set(JobKind.SharedByCandidates, q, batch, dim, t, r, candidates, s, Math.Min(_threads * 4, (candidates + 63) / 64));
        }
        else
        {
            // Few candidates, many queries: split the queries; the candidates stay hot in cache.
            job.Set(JobKind.SharedByQueries, q, batch, dim, t, r, candidates, s, Math.Min(_threads * 4, batch));
        }

        Run(job);
    }

    private void RunGemm(float* a, float* b, float* c, int m, int k, int n)
    {
        var work = (long)m * k * n;
        if (work < _parallelThreshold || _threads == 1 || m == 1)
        {
            _kernels.GemmRows(a, b, c, 0, m, k, n);
            return;
        }

        var job = Job();
        job.SetGemm(a, b, c, m, k, n, Math.Min(m, _threads * 4));
        Run(job);
    }

    private ParallelJob Job()
    {
        var job = t_job ??= new ParallelJob();
        job.Kernels = _kernels;
        return job;
    }

    private void Run(ParallelJob job)
    {
        try
        {
            Parallel.For(0, job.Parts, _parallelOptions, job.Body);
        }
        finally
        {
            job.Clear();
        }
    }

    private enum JobKind
    {
        SharedByCandidates,
        SharedByQueries,
        Gathered,
        Gemm,
    }

    /// <summary>One parallel call's arguments as pointers (spans cannot cross into the workers), reused per thread.</summary>
    private sealed class ParallelJob
    {
        private JobKind _kind;
        private float* _queries;
        private int _batch;
        private int _dim;
        private float* _table;
        private int* _rows;
        private int _candidates;
        private float* _scores;
        private float* _b;
        private int _k;

        public ParallelJob() => Body = Execute;

        public Action<int> Body { get; }

        public CpuKernelSet? Kernels { get; set; }

        public int Parts { get; private set; }

        public int TileRows { get; set; }

        public int QueryBlock { get; set; }

        public void Set(JobKind kind, float* queries, int batch, int dim, float* table, int* rows, int candidates, float* scores, int parts)
        {
            _kind = kind;
            _queries = queries;
            _batch = batch;
            _dim = dim;
            _table = table;
            _rows = rows;
            _candidates = candidates;
            _scores = scores;
            Parts = parts;
        }

        public void SetGemm(float* a, float* b, float* c, int m, int k, int n, int parts)
        {
            _kind = JobKind.Gemm;
            _queries = a;
            _b = b;
            _scores = c;
            _batch = m;
            _k = k;
            _candidates = n;
            Parts = parts;
        }

        public void Clear()
        {
            _queries = null;
            _table = null;
            _rows = null;
            _scores = null;
            _b = null;
            Kernels = null;
        }

        private void Execute(int part)
        {
            var kernels = Kernels!;
            switch (_kind)
            {
                case JobKind.SharedByCandidates:
                {
                    var (start, end) = Range(part, _candidates);
                    kernels.ScoreSharedRange(_queries, _batch, _dim, _table, _rows, start, end, _scores, _candidates, QueryBlock, TileRows);
                    break;
                }

                case JobKind.SharedByQueries:
                {
                    var (start, end) = Range(part, _batch);
                    kernels.ScoreSharedRange(_queries + ((long)start * _dim), end - start, _dim, _table, _rows, 0, _candidates, _scores + ((long)start * _candidates), _candidates, QueryBlock, TileRows);
                    break;
                }

                case JobKind.Gathered:
                {
                    var (start, end) = Range(part, _batch);
                    kernels.ScoreGatheredRange(_queries, _dim, _table, _rows, _candidates, start, end, _scores);
                    break;
                }

                default:
                {
                    var (start, end) = Range(part, _batch);
                    kernels.GemmRows(_queries, _b, _scores, start, end, _k, _candidates);
                    break;
                }
            }
        }

        private (int Start, int End) Range(int part, int total)
        {
            var start = (int)((long)total * part / Parts);
            var end = (int)((long)total * (part + 1) / Parts);
            return (start, end);
        }
    }
}
