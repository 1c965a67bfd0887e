namespace ActorRec.Compute.Cuda;

/// <summary>A growable device allocation (<c>cuMemAlloc</c>); grows by doubling, never shrinks.</summary>
internal sealed unsafe class DeviceBuffer(CudaDriver driver, string name)
{
    public ulong Pointer { get; private set; }

    public long Capacity { get; private set; }

    /// <summary>Makes room for <paramref name="bytes"/>; the old content is discarded. No copy may be in flight.</summary>
    public ulong Ensure(long bytes)
    {
        if (bytes <= Capacity)
        {
            return Pointer;
        }

        Free();
        var size = Math.Max(bytes, Math.Max(4096, Capacity * 2));
        ulong pointer;
        driver.Check(driver.MemAlloc(&pointer, (nuint)size), $"cuMemAlloc_v2 ({name}, {size} bytes)");
        Pointer = pointer;
        Capacity = size;
        return Pointer;
    }

    public void Free()
    {
        if (Pointer != 0)
        {
            driver.MemFree(Pointer);
            Pointer = 0;
            Capacity = 0;
        }
    }
}

/// <summary>
/// A growable page-locked host allocation (<c>cuMemHostAlloc</c>): the only kind of host memory an asynchronous
/// copy can overlap with other work from. Grows by doubling.
/// </summary>
internal sealed unsafe class PinnedBuffer(CudaDriver driver, string name)
{
    public byte* Pointer { get; private set; }

    public long Capacity { get; private set; }

    public byte* Ensure(long bytes)
    {
        if (bytes <= Capacity)
        {
            return Pointer;
        }

        Free();
        var size = Math.Max(bytes, Math.Max(4096, Capacity * 2));
        void* pointer;
        driver.Check(driver.MemHostAlloc(&pointer, (nuint)size, CudaDriver.MemHostAllocPortable), $"cuMemHostAlloc ({name}, {size} bytes)");
        Pointer = (byte*)pointer;
        Capacity = size;
        return Pointer;
    }

    public Span<T> AsSpan<T>(long byteOffset, int count)
        where T : unmanaged => new(Pointer + byteOffset, count);

    public void Free()
    {
        if (Pointer != null)
        {
            driver.MemFreeHost(Pointer);
            Pointer = null;
            Capacity = 0;
        }
    }
}

/// <summary>The device-resident copy of one <see cref="IEmbeddingTable"/>, in the configured storage precision.</summary>
internal sealed class DeviceTable(DeviceBuffer storage, int rows, int dimension)
{
    public DeviceBuffer Storage { get; } = storage;

    public int Rows { get; } = rows;

    public int Dimension { get; } = dimension;

    /// <summary>Table version the device copy reflects; -1 before the first full upload.</summary>
    public long SyncedVersion { get; set; } = -1;
}
