namespace ActorRec.Compute.Cuda;

/// <summary>
/// Optional cuBLAS (libcublas) for the dense layers' matrix products. cuBLAS is column-major; a row-major
/// <c>C = A·B</c> is computed as the column-major <c>Cᵀ = Bᵀ·Aᵀ</c>, which needs no transposition of the data.
/// </summary>
internal sealed unsafe class Cublas : IDisposable
{
    private static readonly string[] LibraryNames = ["libcublas.so.12", "libcublas.so.11", "libcublas.so"];
    private const int OpN = 0;

    private readonly delegate* unmanaged<IntPtr, int> _destroy;
    private readonly delegate* unmanaged<IntPtr, int, int, int, int, int, float*, ulong, int, ulong, int, float*, ulong, int, int> _sgemm;
    private IntPtr _handle;

    private Cublas(IntPtr handle, delegate* unmanaged<IntPtr, int> destroy, delegate* unmanaged<IntPtr, int, int, int, int, int, float*, ulong, int, ulong, int, float*, ulong, int, int> sgemm, string name)
    {
        _handle = handle;
        _destroy = destroy;
        _sgemm = sgemm;
        LibraryName = name;
    }

    public string LibraryName { get; }

    /// <summary>Loads cuBLAS and creates a handle bound to <paramref name="stream"/> (the CUDA context must be current).</summary>
    public static bool TryCreate(IntPtr stream, out Cublas? cublas, out string reason)
    {
        cublas = null;
        if (!NativeLibraryLoader.TryLoad(LibraryNames, out var lib, out var name, out reason))
        {
            return false;
        }

        var missing = new List<string>();
        var create = (delegate* unmanaged<IntPtr*, int>)NativeLibraryLoader.Export(lib, "cublasCreate_v2", missing);
        var destroy = (delegate* unmanaged<IntPtr, int>)NativeLibraryLoader.Export(lib, "cublasDestroy_v2", missing);
        var setStream = (delegate* unmanaged<IntPtr, IntPtr, int>)NativeLibraryLoader.Export(lib, "cublasSetStream_v2", missing);
        var sgemm = (delegate* unmanaged<IntPtr, int, int, int, int, int, float*, ulong, int, ulong, int, float*, ulong, int, int>)NativeLibraryLoader.Export(lib, "cublasSgemm_v2", missing);
        if (missing.Count > 0)
        {
            reason = $"{name} lacks {string.Join(", ", missing)}";
            return false;
        }

        IntPtr handle;
        var status = create(&handle);
        if (status != 0)
        {
            reason = $"cublasCreate_v2 returned status {status}";
            return false;
        }

        status = setStream(handle, stream);
        if (status != 0)
        {
            destroy(handle);
            reason = $"cublasSetStream_v2 returned status {status}";
            return false;
        }

        cublas = new Cublas(handle, destroy, sgemm, name);
        return true;
    }

    /// <summary>Row-major <c>c (m × n) = a (m × k) · b (k × n)</c> on device pointers.</summary>
    public void GemmRowMajor(ulong a, ulong b, ulong c, int m, int k, int n)
    {
        var alpha = 1f;
        var beta = 0f;
        var status = _sgemm(_handle, OpN, OpN, n, m, k, &alpha, b, n, a, k, &beta, c, n);
        if (status != 0)
        {
            throw new CudaException("cublasSgemm_v2", status, $"cublasStatus {status}");
        }
    }

    public void Dispose()
    {
        if (_handle != IntPtr.Zero)
        {
            _destroy(_handle);
            _handle = IntPtr.Zero;
        }
    }
}
