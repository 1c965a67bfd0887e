using System.Numerics.Tensors;
using ActorRec.Compute.Cpu;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Compute.Cuda;

/*
 * How the CUDA backend works.
 *
 * Start-up: load libcuda.so.1 (function pointers, no DllImport), cuInit, retain the device's primary context,
 * create one non-blocking stream, compile Kernels/scoring.cu with NVRTC for the device's compute capability (the
 * highest virtual architecture NVRTC knows that is not above the device's), load the PTX with cuModuleLoadData
 * (the driver JIT-compiles it for the real GPU), and optionally create a cuBLAS handle on the same stream.
 *
 * Every public call takes the backend's lock (one stream, one set of staging buffers), makes the context current
 * on the calling thread, and ends with cuStreamSynchronize: the results are in the caller's span on return.
 *
 * Embedding tables live on the device, keyed by the IEmbeddingTable instance. Before each scoring call the
 * device copy is brought up to date: if the table's version moved, the rows whose version is newer than the
 * synced one are packed into one of two pinned staging buffers, copied asynchronously, and scattered into place
 * (converted to float16/bfloat16 on the way when so configured) by a kernel. While the GPU copies and scatters
 * one chunk, the host packs the next into the other buffer (an event per buffer says when it is free again).
 * The synced version is the table version read *before* the scan, so a row written during the scan is copied
 * again on the next call: the device copy never claims a version it may not hold.
 *
 * Dense layers run on the GPU (cuBLAS or our tiled kernel, bias and activation fused). The element-wise
 * AddBias/Relu/Sigmoid on host spans run on the host with TensorPrimitives: a round trip over PCIe would cost
 * more than the operation itself.
 */

/// <summary>The CUDA scoring backend (driver API + NVRTC by P/Invoke). Create through <see cref="ScoringBackendFactory"/>.</summary>
public sealed unsafe class CudaScoringBackend : IScoringBackend
{
    private readonly Lock _gate = new();
    private readonly CudaDriver _cu;
    private readonly int _device;
    private readonly IntPtr _context;
    private readonly IntPtr _stream;
    private readonly IntPtr _module;
    private readonly StoragePrecision _precision;
    private readonly Cublas? _cublas;
    private readonly IntPtr _scoreShared;
    private readonly IntPtr _scoreGathered;
    private readonly IntPtr _gemmBiasAct;
    private readonly IntPtr _biasAct;
    private readonly IntPtr _copy;
    private readonly DeviceBuffer _dQueries;
    private readonly DeviceBuffer _dRows;
    private readonly DeviceBuffer _dScores;
    private readonly DeviceBuffer _dB;
    private readonly DeviceBuffer _dBias;
    private readonly PinnedBuffer _hIn;
    private readonly PinnedBuffer _hOut;
    private readonly DeviceTableSync _tableSync;
    private bool _disposed;

    private CudaScoringBackend(CudaDriver driver, CudaDeviceInfo info, ComputeSettings settings, ILogger logger)
    {
        _cu = driver;
        Device = info;
        _precision = settings.StoragePrecision;
        int device;
        _cu.Check(_cu.DeviceGet(&device, info.Ordinal), "cuDeviceGet");
        _device = device;
        IntPtr context;
        _cu.Check(_cu.DevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
        _context = context;
        var gemm = "tiled kernel";
        (int Major, int Minor) nvrtcVersion;
        try
        {
            _cu.Check(_cu.CtxSetCurrent(context), "cuCtxSetCurrent");
            IntPtr stream;
            _cu.Check(_cu.StreamCreate(&stream, CudaDriver.StreamNonBlocking), "cuStreamCreate");
            _stream = stream;

            if (!Nvrtc.TryLoad(out var nvrtc, out var reason))
            {
                throw new InvalidOperationException($"NVRTC unavailable: {reason}.");
            }

            Architecture = nvrtc!.BestArchitecture(info.Architecture);
            nvrtcVersion = nvrtc.Version();
            var ptx = nvrtc.CompileToPtx(KernelSource.Scoring(), "scoring.cu", Architecture);
            IntPtr module;
            fixed (byte* image = ptx)
            {
                _cu.Check(_cu.ModuleLoadData(&module, image), "cuModuleLoadData");
            }

            _module = module;
            var suffix = _precision switch { StoragePrecision.Float16 => "f16", StoragePrecision.BFloat16 => "bf16", _ => "f32" };
            _scoreShared = Function("score_shared_" + suffix);
            _scoreGathered = Function("score_gathered_" + suffix);
            _gemmBiasAct = Function("gemm_bias_act");
            _biasAct = Function("bias_act");
            _copy = Function("copy_f4");

            _dQueries = new DeviceBuffer(_cu, "queries");
            _dRows = new DeviceBuffer(_cu, "rows");
            _dScores = new DeviceBuffer(_cu, "scores");
            _dB = new DeviceBuffer(_cu, "weights");
            _dBias = new DeviceBuffer(_cu, "bias");
            _hIn = new PinnedBuffer(_cu, "input staging");
            _hOut = new PinnedBuffer(_cu, "output staging");
            _tableSync = new DeviceTableSync(_cu, _stream, Function("scatter_rows_" + suffix), _precision);

            if (settings.UseCublas)
            {
                if (Cublas.TryCreate(_stream, out var cublas, out var cublasReason))
                {
                    _cublas = cublas;
                    gemm = cublas!.LibraryName;
                }
                else
                {
                    ComputeLog.CublasUnavailable(logger, cublasReason);
                }
            }
        }
        catch
        {
            // Start-up failed half-way: give back what was taken, so "auto" can fall back to the CPU cleanly.
            _tableSync?.Dispose();
            if (_module != IntPtr.Zero)
            {
                _cu.ModuleUnload(_module);
            }

            if (_stream != IntPtr.Zero)
            {
                _cu.StreamDestroy(_stream);
            }

            _cu.DevicePrimaryCtxRelease(device);
            throw;
        }

        var (major, minor) = nvrtcVersion;
        Name = $"cuda ({info.Name}, sm_{info.Architecture}, {_precision})";
        ComputeLog.CudaReady(logger, info.ToString(), major, minor, Architecture, _precision, gemm);
    }

    /// <summary>The device this backend runs on.</summary>
    public CudaDeviceInfo Device { get; }

    /// <summary>The virtual architecture the kernels were compiled for (e.g. 90).</summary>
    public int Architecture { get; }

    public string Name { get; }

    /// <summary>Whether dense products go through cuBLAS.</summary>
    public bool UsesCublas => _cublas is not null;

    /// <summary>
    /// Builds the backend on <see cref="ComputeSettings.DeviceIndex"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No driver, no device or no NVRTC (the message says which).</exception>
    /// <exception cref="CudaException">A CUDA call failed during start-up.</exception>
    public static CudaScoringBackend Create(ComputeSettings settings, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (!CudaDriver.TryLoad(CudaDriver.DefaultLibraryNames, out var driver, out var reason))
        {
            throw new InvalidOperationException($"CUDA backend unavailable: {reason}.");
        }

        driver!.Check(driver.Init(0), "cuInit");
        var devices = CudaDiscovery.ListDevices(driver);
        if (settings.DeviceIndex >= devices.Count)
        {
            throw new InvalidOperationException($"CUDA backend unavailable: {ComputeSettings.Path}.device-index = {settings.DeviceIndex} but {devices.Count} device(s) exist.");
        }

        return new CudaScoringBackend(driver, devices[settings.DeviceIndex], settings, logger ?? NullLogger.Instance);
    }

    /// <summary>
    /// Packs the queries and candidate row ids into the pinned staging buffer and queues their copies to the device;
    /// returns the device addresses. Called under <see cref="_gate"/>.
    /// </summary>
    private (ulong Queries, ulong Rows) StageInputs(ReadOnlySpan<float> queries, ReadOnlySpan<int> candidateRows)
    {
        var qBytes = (long)queries.Length * sizeof(float);
        var rBytes = (long)candidateRows.Length * sizeof(int);
        var input = _hIn.Ensure(qBytes + rBytes);
        queries.CopyTo(new Span<float>(input, queries.Length));
        candidateRows.CopyTo(new Span<int>(input + qBytes, candidateRows.Length));
        var dq = _dQueries.Ensure(qBytes);
        var dr = _dRows.Ensure(rBytes);
        CopyIn(dq, input, (nuint)qBytes);
        CopyIn(dr, input + qBytes, (nuint)rBytes);
        return (dq, dr);
    }

    public void ScoreShared(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, Span<float> scores)
    {
        ScoringArgs.CheckShared(queries, batch, table, candidateRows, scores);
        if (batch == 0 || candidateRows.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            Enter();
            var deviceTable = _tableSync.Sync(table);
            var (dq, dr) = StageInputs(queries, candidateRows);
            LaunchScoreShared(dq, batch, deviceTable, dr, candidateRows.Length);
            ReadBack(scores);
        }
    }

    public void ScoreGathered(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, int candidatesPerQuery, Span<float> scores)
    {
        ScoringArgs.CheckGathered(queries, batch, table, candidateRows, candidatesPerQuery, scores);
        if (batch == 0 || candidatesPerQuery == 0)
        {
            return;
        }

        lock (_gate)
        {
            Enter();
            var deviceTable = _tableSync.Sync(table);
            var (dq, dr) = StageInputs(queries, candidateRows);
            // One float score per candidate row id: the same byte count as the ids.
            var ds = _dScores.Ensure((long)candidateRows.Length * sizeof(int));
            var table0 = deviceTable.Storage.Pointer;
            var dim = deviceTable.Dimension;
            var pairs = (long)batch * candidatesPerQuery;
            void** args = stackalloc void*[7];
            args[0] = &dq;
            args[1] = &batch;
            args[2] = &dim;
            args[3] = &table0;
            args[4] = &dr;
            args[5] = &candidatesPerQuery;
            args[6] = &ds;
            Launch(_scoreGathered, (uint)((pairs + 7) / 8), 1, 256, 1, args, "score_gathered");
            ReadBack(scores);
        }
    }

    public void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        ScoringArgs.CheckGemm(a, b, c, m, k, n);
        RunDense(a, b, ReadOnlySpan<float>.Empty, c, m, k, n, Activation.None);
    }

    public void Dense(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, int m, int k, int n, Activation activation)
    {
        ScoringArgs.CheckDense(input, weights, bias, output, m, k, n, activation);
        RunDense(input, weights, bias, output, m, k, n, activation);
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

    public void Relu(Span<float> values) => CpuScoringBackend.ApplyActivation(values, Activation.Relu);

    public void Sigmoid(Span<float> values) => CpuScoringBackend.ApplyActivation(values, Activation.Sigmoid);

    public int TopK(ReadOnlySpan<float> query, IEmbeddingTable table, int k, Span<int> rows, Span<float> scores)
    {
        ScoringArgs.CheckTopK(query, table, k, rows, scores);
        if (k == 0 || table.Rows == 0)
        {
            return 0;
        }

        lock (_gate)
        {
            Enter();
            var deviceTable = _tableSync.Sync(table);
            var qBytes = (long)query.Length * sizeof(float);
            var input = _hIn.Ensure(qBytes);
            query.CopyTo(new Span<float>(input, query.Length));
            var dq = _dQueries.Ensure(qBytes);
            CopyIn(dq, input, (nuint)qBytes);
            LaunchScoreShared(dq, 1, deviceTable, 0, table.Rows);
            var all = ReadBackPinned(table.Rows);
            return TopKSelector.Select(all, k, rows, scores);
        }
    }

    /// <summary>
    /// Device memory bandwidth by the copy kernel: GB/s counting bytes read plus bytes written (the STREAM "copy"
    /// convention), timed with CUDA events.
    /// </summary>
    public double MeasureCopyBandwidth(long bytes, int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        lock (_gate)
        {
            Enter();
            var src = new DeviceBuffer(_cu, "copy source");
            var dst = new DeviceBuffer(_cu, "copy destination");
            try
            {
                var s = src.Ensure(bytes);
                var d = dst.Ensure(bytes);
                var count = bytes / 16;
                void** args = stackalloc void*[3];
                args[0] = &s;
                args[1] = &d;
                args[2] = &count;
                var blocks = (uint)Math.Min((count + 255) / 256, Device.Multiprocessors * 32L);
                var seconds = TimeOnStream(iterations, () => Launch(_copy, blocks, 1, 256, 1, args, "copy_f4"));
                return 2.0 * count * 16 * iterations / seconds / 1e9;
            }
            finally
            {
                src.Free();
                dst.Free();
            }
        }
    }

    /// <summary>
    /// Times the shared-scoring kernel alone (table already on the device, queries and rows uploaded once):
    /// seconds per call, averaged over <paramref name="iterations"/> launches.
    /// </summary>
    public double TimeScoreSharedKernel(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, int iterations)
    {
        ScoringArgs.CheckSharedInputs(queries, batch, table, candidateRows);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        lock (_gate)
        {
            Enter();
            var deviceTable = _tableSync.Sync(table);
            var (dq, dr) = StageInputs(queries, candidateRows);
            var candidates = candidateRows.Length;
            return TimeOnStream(iterations, () => LaunchScoreShared(dq, batch, deviceTable, dr, candidates)) / iterations;
        }
    }

    /// <summary>
    /// Frees the device copy of <paramref name="table"/> (device copies otherwise live as long as the backend);
    /// a later call with the table uploads it again. Returns false when the table had no device copy.
    /// </summary>
    public bool Release(IEmbeddingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        lock (_gate)
        {
            Enter();
            _cu.Check(_cu.StreamSynchronize(_stream), "cuStreamSynchronize");
            return _tableSync.Release(table);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _cu.CtxSetCurrent(_context);
            _cu.StreamSynchronize(_stream);
            _tableSync.Dispose();
            foreach (var buffer in (ReadOnlySpan<DeviceBuffer>)[_dQueries, _dRows, _dScores, _dB, _dBias])
            {
                buffer.Free();
            }

            foreach (var buffer in (ReadOnlySpan<PinnedBuffer>)[_hIn, _hOut])
            {
                buffer.Free();
            }

            _cublas?.Dispose();
            _cu.ModuleUnload(_module);
            _cu.StreamDestroy(_stream);
            _cu.DevicePrimaryCtxRelease(_device);
        }
    }

    private IntPtr Function(string name)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(name + "\0");
        IntPtr function;
        fixed (byte* p = bytes)
        {
            _cu.Check(_cu.ModuleGetFunction(&function, _module, p), $"cuModuleGetFunction({name})");
        }

        return function;
    }

    private void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _cu.Check(_cu.CtxSetCurrent(_context), "cuCtxSetCurrent");
    }

    /// <summary>Queues a host-to-device copy (a zero-byte copy is skipped, not sent to the driver).</summary>
    private void CopyIn(ulong destination, void* source, nuint bytes)
    {
        if (bytes != 0)
        {
            _cu.Check(_cu.MemcpyHtoDAsync(destination, source, bytes, _stream), "cuMemcpyHtoDAsync_v2");
        }
    }

    private void Launch(IntPtr function, uint gridX, uint gridY, uint blockX, uint blockY, void** args, string name) =>
        _cu.Check(_cu.LaunchKernel(function, gridX, gridY, 1, blockX, blockY, 1, 0, _stream, args, null), $"cuLaunchKernel({name})");

    private void LaunchScoreShared(ulong dq, int batch, DeviceTable table, ulong dr, int candidates)
    {
        var ds = _dScores.Ensure((long)batch * candidates * sizeof(float));
        var table0 = table.Storage.Pointer;
        var dim = table.Dimension;
        void** args = stackalloc void*[7];
        args[0] = &dq;
        args[1] = &batch;
        args[2] = &dim;
        args[3] = &table0;
        args[4] = &dr;
        args[5] = &candidates;
        args[6] = &ds;
        if (batch == 1)
        {
            // One query: a warp per candidate row reads it coalesced; the 32-query tile would idle 31/32 of its work.
            Launch(_scoreGathered, (uint)(((long)candidates + 7) / 8), 1, 256, 1, args, "score_gathered");
            return;
        }

        Launch(_scoreShared, (uint)((candidates + 31) / 32), (uint)((batch + 31) / 32), 32, 8, args, "score_shared");
    }

    /// <summary>Copies the device score buffer into <paramref name="scores"/> and waits for the stream.</summary>
    private void ReadBack(Span<float> scores) => ReadBackPinned(scores.Length).CopyTo(scores);

    private Span<float> ReadBackPinned(int count)
    {
        var bytes = (long)count * sizeof(float);
        var output = _hOut.Ensure(bytes);
        _cu.Check(_cu.MemcpyDtoHAsync(output, _dScores.Pointer, (nuint)bytes, _stream), "cuMemcpyDtoHAsync_v2");
        _cu.Check(_cu.StreamSynchronize(_stream), "cuStreamSynchronize");
        return new Span<float>(output, count);
    }

    private void RunDense(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int m, int k, int n, Activation activation)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        lock (_gate)
        {
            Enter();
            var aBytes = (long)a.Length * sizeof(float);
            var bBytes = (long)b.Length * sizeof(float);
            var biasBytes = (long)bias.Length * sizeof(float);
            var input = _hIn.Ensure(aBytes + bBytes + biasBytes);
            a.CopyTo(new Span<float>(input, a.Length));
            b.CopyTo(new Span<float>(input + aBytes, b.Length));
            bias.CopyTo(new Span<float>(input + aBytes + bBytes, bias.Length));
            var da = _dQueries.Ensure(Math.Max(aBytes, 4));
            var db = _dB.Ensure(Math.Max(bBytes, 4));
            var dbias = bias.IsEmpty ? 0UL : _dBias.Ensure(biasBytes);
            var dc = _dScores.Ensure((long)m * n * sizeof(float));
            CopyIn(da, input, (nuint)aBytes);
            CopyIn(db, input + aBytes, (nuint)bBytes);
            if (dbias != 0)
            {
                CopyIn(dbias, input + aBytes + bBytes, (nuint)biasBytes);
            }

            var act = (int)activation;
            if (_cublas is not null && k > 0)
            {
                _cublas.GemmRowMajor(da, db, dc, m, k, n);
                if (dbias != 0 || act != 0)
                {
                    void** args = stackalloc void*[5];
                    args[0] = &dc;
                    args[1] = &dbias;
                    args[2] = &m;
                    args[3] = &n;
                    args[4] = &act;
                    var total = (long)m * n;
                    Launch(_biasAct, (uint)Math.Min((total + 255) / 256, 65535), 1, 256, 1, args, "bias_act");
                }
            }
            else
            {
                void** args = stackalloc void*[8];
                args[0] = &da;
                args[1] = &db;
                args[2] = &dbias;
                args[3] = &dc;
                args[4] = &m;
                args[5] = &k;
                args[6] = &n;
                args[7] = &act;
                Launch(_gemmBiasAct, (uint)((n + 31) / 32), (uint)((m + 31) / 32), 32, 8, args, "gemm_bias_act");
            }

            ReadBack(c);
        }
    }

    private double TimeOnStream(int iterations, Action launch)
    {
        IntPtr start, stop;
        _cu.Check(_cu.EventCreate(&start, 0), "cuEventCreate");
        _cu.Check(_cu.EventCreate(&stop, 0), "cuEventCreate");
        try
        {
            launch();
            _cu.Check(_cu.EventRecord(start, _stream), "cuEventRecord");
            for (var i = 0; i < iterations; i++)
            {
                launch();
            }

            _cu.Check(_cu.EventRecord(stop, _stream), "cuEventRecord");
            _cu.Check(_cu.EventSynchronize(stop), "cuEventSynchronize");
            float ms;
            _cu.Check(_cu.EventElapsedTime(&ms, start, stop), "cuEventElapsedTime");
            return ms / 1000.0;
        }
        finally
        {
            _cu.EventDestroy(start);
            _cu.EventDestroy(stop);
        }
    }
}
