namespace ActorRec.Compute.Cuda;

/// <summary>
/// The device-resident copies of embedding tables, keyed by table instance, and their incremental upload: only rows
/// whose version is newer than the synced one are packed into one of two pinned staging buffers, copied
/// asynchronously, and scattered into place by a kernel (converting to float16/bfloat16 storage on the way). While
/// the GPU copies and scatters one chunk the host packs the next into the other buffer; an event per buffer says
/// when it is free again. The synced version is the table version read before the scan, so a row written during
/// the scan is copied again next time. Not thread-safe: the backend calls it under its lock.
/// </summary>
internal sealed unsafe class DeviceTableSync : IDisposable
{
    private const int StageBytes = 8 << 20;

    private readonly CudaDriver _cu;
    private readonly IntPtr _stream;
    private readonly IntPtr _scatter;
    private readonly StoragePrecision _precision;
    private readonly Dictionary<IEmbeddingTable, DeviceTable> _tables = new(ReferenceEqualityComparer.Instance);
    private readonly PinnedBuffer[] _hStage;
    private readonly DeviceBuffer[] _dStage;
    private readonly IntPtr[] _stageFree = new IntPtr[2];

    public DeviceTableSync(CudaDriver driver, IntPtr stream, IntPtr scatterFunction, StoragePrecision precision)
    {
        _cu = driver;
        _stream = stream;
        _scatter = scatterFunction;
        _precision = precision;
        _hStage = [new PinnedBuffer(_cu, "row staging 0"), new PinnedBuffer(_cu, "row staging 1")];
        _dStage = [new DeviceBuffer(_cu, "device row staging 0"), new DeviceBuffer(_cu, "device row staging 1")];
        for (var i = 0; i < 2; i++)
        {
            IntPtr ev;
            _cu.Check(_cu.EventCreate(&ev, 0), "cuEventCreate");
            _stageFree[i] = ev;
        }
    }

    /// <summary>Frees the device copy of a table; false when it had none.</summary>
    public bool Release(IEmbeddingTable table)
    {
        if (!_tables.Remove(table, out var deviceTable))
        {
            return false;
        }

        deviceTable.Storage.Free();
        return true;
    }

    public void Dispose()
    {
        foreach (var table in _tables.Values)
        {
            table.Storage.Free();
        }

        _tables.Clear();
        foreach (var buffer in _dStage)
        {
            buffer.Free();
        }

        foreach (var buffer in _hStage)
        {
            buffer.Free();
        }

        for (var i = 0; i < _stageFree.Length; i++)
        {
            if (_stageFree[i] != IntPtr.Zero)
            {
                _cu.EventDestroy(_stageFree[i]);
                _stageFree[i] = IntPtr.Zero;
            }
        }
    }

    /// <summary>Brings the device copy of <paramref name="table"/> up to date (only rows written since the last sync).</summary>
    public DeviceTable Sync(IEmbeddingTable table)
    {
        if (!_tables.TryGetValue(table, out var deviceTable))
        {
            var elementBytes = _precision == StoragePrecision.Float32 ? 4 : 2;
            var storage = new DeviceBuffer(_cu, "embedding table");
            storage.Ensure(Math.Max(16, (long)table.Rows * table.Dimension * elementBytes));
            deviceTable = new DeviceTable(storage, table.Rows, table.Dimension);
            _tables.Add(table, deviceTable);
        }

        var version = table.Version;
        if (version == deviceTable.SyncedVersion)
        {
            return deviceTable;
        }

        var dim = table.Dimension;
        var rowBytes = (long)dim * sizeof(float);
        var chunkRows = (int)Math.Max(1, StageBytes / (rowBytes + sizeof(int)));
        var data = table.AsSpan();
        var buffer = 0;
        var count = 0;
        Span<float> stagedData = default;
        Span<int> stagedIds = default;
        for (var r = 0; r < table.Rows; r++)
        {
            if (deviceTable.SyncedVersion >= 0 && table.GetRowVersion(r) <= deviceTable.SyncedVersion)
            {
                continue;
            }

            if (count == 0)
            {
                // Wait until the GPU is done with this staging buffer's previous chunk, then fill it.
                _cu.Check(_cu.EventSynchronize(_stageFree[buffer]), "cuEventSynchronize");
                var host = _hStage[buffer].Ensure(chunkRows * (rowBytes + sizeof(int)));
                stagedData = new Span<float>(host, chunkRows * dim);
                stagedIds = new Span<int>(host + (chunkRows * rowBytes), chunkRows);
            }

            data.Slice(r * dim, dim).CopyTo(stagedData.Slice(count * dim, dim));
            stagedIds[count] = r;
            if (++count == chunkRows)
            {
                FlushStage(buffer, count, chunkRows, deviceTable);
                buffer ^= 1;
                count = 0;
            }
        }

        if (count > 0)
        {
            FlushStage(buffer, count, chunkRows, deviceTable);
        }

        deviceTable.SyncedVersion = version;
        return deviceTable;
    }

    private void FlushStage(int buffer, int count, int chunkRows, DeviceTable table)
    {
        var dim = table.Dimension;
        var rowBytes = (long)dim * sizeof(float);
        var host = _hStage[buffer].Pointer;
        var device = _dStage[buffer].Ensure(chunkRows * (rowBytes + sizeof(int)));
        var dataBytes = count * rowBytes;
        var idsOffset = chunkRows * rowBytes;
        CopyIn(device, host, (nuint)dataBytes);
        CopyIn(device + (ulong)idsOffset, host + idsOffset, (nuint)(count * sizeof(int)));
        var ids = device + (ulong)idsOffset;
        var target = table.Storage.Pointer;
        void** args = stackalloc void*[5];
        args[0] = &device;
        args[1] = &ids;
        args[2] = &count;
        args[3] = &dim;
        args[4] = &target;
        var total = (long)count * dim;
        _cu.Check(_cu.LaunchKernel(_scatter, (uint)Math.Min((total + 255) / 256, 65535), 1, 1, 256, 1, 1, 0, _stream, args, null), "cuLaunchKernel(scatter_rows)");
        _cu.Check(_cu.EventRecord(_stageFree[buffer], _stream), "cuEventRecord");
    }

    private void CopyIn(ulong destination, void* source, nuint bytes)
    {
        if (bytes != 0)
        {
            _cu.Check(_cu.MemcpyHtoDAsync(destination, source, bytes, _stream), "cuMemcpyHtoDAsync_v2");
        }
    }
}
