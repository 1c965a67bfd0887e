using System.Runtime.InteropServices;
using System.Text;

namespace ActorRec.Compute.Cuda;

/// <summary>
/// The slice of the CUDA driver API (libcuda.so.1) ActorRec uses, as unmanaged function pointers resolved once.
/// Handles (contexts, streams, modules, functions, events) are opaque pointers; device memory is a 64-bit
/// <c>CUdeviceptr</c>. Every call returns a <c>CUresult</c> that <see cref="Check"/> turns into a
/// <see cref="CudaException"/> naming the call.
/// </summary>
internal sealed unsafe class CudaDriver
{
    /// <summary>Names tried in order when loading the driver.</summary>
    public static readonly string[] DefaultLibraryNames = ["libcuda.so.1", "libcuda.so", "nvcuda.dll"];

    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;
    public const uint StreamNonBlocking = 1;
    public const uint MemHostAllocPortable = 1;

    private CudaDriver()
    {
    }

    public string LibraryName { get; private init; } = string.Empty;

    public delegate* unmanaged<uint, int> Init { get; private init; }
    public delegate* unmanaged<int*, int> DriverGetVersion { get; private init; }
    public delegate* unmanaged<int*, int> DeviceGetCount { get; private init; }
    public delegate* unmanaged<int*, int, int> DeviceGet { get; private init; }
    public delegate* unmanaged<byte*, int, int, int> DeviceGetName { get; private init; }
    public delegate* unmanaged<nuint*, int, int> DeviceTotalMem { get; private init; }
    public delegate* unmanaged<int*, int, int, int> DeviceGetAttribute { get; private init; }
    public delegate* unmanaged<IntPtr*, int, int> DevicePrimaryCtxRetain { get; private init; }
    public delegate* unmanaged<int, int> DevicePrimaryCtxRelease { get; private init; }
    public delegate* unmanaged<IntPtr, int> CtxSetCurrent { get; private init; }
    public delegate* unmanaged<IntPtr*, uint, int> StreamCreate { get; private init; }
    public delegate* unmanaged<IntPtr, int> StreamDestroy { get; private init; }
    public delegate* unmanaged<IntPtr, int> StreamSynchronize { get; private init; }
    public delegate* unmanaged<ulong*, nuint, int> MemAlloc { get; private init; }
    public delegate* unmanaged<ulong, int> MemFree { get; private init; }
    public delegate* unmanaged<void**, nuint, uint, int> MemHostAlloc { get; private init; }
    public delegate* unmanaged<void*, int> MemFreeHost { get; private init; }
    public delegate* unmanaged<ulong, void*, nuint, IntPtr, int> MemcpyHtoDAsync { get; private init; }
    public delegate* unmanaged<void*, ulong, nuint, IntPtr, int> MemcpyDtoHAsync { get; private init; }
    public delegate* unmanaged<IntPtr*, void*, int> ModuleLoadData { get; private init; }
    public delegate* unmanaged<IntPtr, int> ModuleUnload { get; private init; }
    public delegate* unmanaged<IntPtr*, IntPtr, byte*, int> ModuleGetFunction { get; private init; }
    public delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int> LaunchKernel { get; private init; }
    public delegate* unmanaged<IntPtr*, uint, int> EventCreate { get; private init; }
    public delegate* unmanaged<IntPtr, IntPtr, int> EventRecord { get; private init; }
    public delegate* unmanaged<IntPtr, int> EventSynchronize { get; private init; }
    public delegate* unmanaged<float*, IntPtr, IntPtr, int> EventElapsedTime { get; private init; }
    public delegate* unmanaged<IntPtr, int> EventDestroy { get; private init; }
    public delegate* unmanaged<int, byte**, int> GetErrorString { get; private init; }

    /// <summary>Loads the driver library and resolves every function; false with a reason when anything is missing.</summary>
    public static bool TryLoad(IReadOnlyList<string> libraryNames, out CudaDriver? driver, out string reason)
    {
        driver = null;
        if (!NativeLibraryLoader.TryLoad(libraryNames, out var h, out var name, out reason))
        {
            return false;
        }

        var missing = new List<string>();
        IntPtr E(string symbol) => NativeLibraryLoader.Export(h, symbol, missing);
        var d = new CudaDriver
        {
            LibraryName = name,
            Init = (delegate* unmanaged<uint, int>)E("cuInit"),
            DriverGetVersion = (delegate* unmanaged<int*, int>)E("cuDriverGetVersion"),
            DeviceGetCount = (delegate* unmanaged<int*, int>)E("cuDeviceGetCount"),
            DeviceGet = (delegate* unmanaged<int*, int, int>)E("cuDeviceGet"),
            DeviceGetName = (delegate* unmanaged<byte*, int, int, int>)E("cuDeviceGetName"),
            DeviceTotalMem = (delegate* unmanaged<nuint*, int, int>)E("cuDeviceTotalMem_v2"),
            DeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)E("cuDeviceGetAttribute"),
            DevicePrimaryCtxRetain = (delegate* unmanaged<IntPtr*, int, int>)E("cuDevicePrimaryCtxRetain"),
            DevicePrimaryCtxRelease = (delegate* unmanaged<int, int>)E("cuDevicePrimaryCtxRelease_v2"),
            CtxSetCurrent = (delegate* unmanaged<IntPtr, int>)E("cuCtxSetCurrent"),
            StreamCreate = (delegate* unmanaged<IntPtr*, uint, int>)E("cuStreamCreate"),
            StreamDestroy = (delegate* unmanaged<IntPtr, int>)E("cuStreamDestroy_v2"),
            StreamSynchronize = (delegate* unmanaged<IntPtr, int>)E("cuStreamSynchronize"),
            MemAlloc = (delegate* unmanaged<ulong*, nuint, int>)E("cuMemAlloc_v2"),
            MemFree = (delegate* unmanaged<ulong, int>)E("cuMemFree_v2"),
            MemHostAlloc = (delegate* unmanaged<void**, nuint, uint, int>)E("cuMemHostAlloc"),
            MemFreeHost = (delegate* unmanaged<void*, int>)E("cuMemFreeHost"),
            MemcpyHtoDAsync = (delegate* unmanaged<ulong, void*, nuint, IntPtr, int>)E("cuMemcpyHtoDAsync_v2"),
            MemcpyDtoHAsync = (delegate* unmanaged<void*, ulong, nuint, IntPtr, int>)E("cuMemcpyDtoHAsync_v2"),
            ModuleLoadData = (delegate* unmanaged<IntPtr*, void*, int>)E("cuModuleLoadData"),
            ModuleUnload = (delegate* unmanaged<IntPtr, int>)E("cuModuleUnload"),
            ModuleGetFunction = (delegate* unmanaged<IntPtr*, IntPtr, byte*, int>)E("cuModuleGetFunction"),
            LaunchKernel = (delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)E("cuLaunchKernel"),
            EventCreate = (delegate* unmanaged<IntPtr*, uint, int>)E("cuEventCreate"),
            EventRecord = (delegate* unmanaged<IntPtr, IntPtr, int>)E("cuEventRecord"),
            EventSynchronize = (delegate* unmanaged<IntPtr, int>)E("cuEventSynchronize"),
            EventElapsedTime = (delegate* unmanaged<float*, IntPtr, IntPtr, int>)E("cuEventElapsedTime"),
            EventDestroy = (delegate* unmanaged<IntPtr, int>)E("cuEventDestroy_v2"),
            GetErrorString = (delegate* unmanaged<int, byte**, int>)E("cuGetErrorString"),
        };

        if (missing.Count > 0)
        {
            reason = $"{name} lacks {string.Join(", ", missing)} (driver too old?)";
            return false;
        }

        driver = d;
        return true;
    }

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless <paramref name="result"/> is CUDA_SUCCESS.</summary>
    public void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new CudaException(call, result, Describe(result));
        }
    }

    public string Describe(int result)
    {
        byte* text = null;
        if (GetErrorString != null && GetErrorString(result, &text) == 0 && text != null)
        {
            return Marshal.PtrToStringUTF8((IntPtr)text) ?? $"CUresult {result}";
        }

        return $"CUresult {result}";
    }

    public string DeviceName(int device)
    {
        var buffer = stackalloc byte[256];
        Check(DeviceGetName(buffer, 256, device), "cuDeviceGetName");
        var length = 0;
        while (length < 256 && buffer[length] != 0)
        {
            length++;
        }

        return Encoding.UTF8.GetString(buffer, length);
    }

    public int Attribute(int device, int attribute)
    {
        int value;
        Check(DeviceGetAttribute(&value, attribute, device), "cuDeviceGetAttribute");
        return value;
    }
}

/// <summary>A CUDA driver or NVRTC call failed.</summary>
public sealed class CudaException(string call, int code, string description)
    : Exception($"{call} failed: {description} (code {code}).")
{
    /// <summary>The API function that failed.</summary>
    public string Call { get; } = call;

    /// <summary>The CUresult / nvrtcResult code.</summary>
    public int Code { get; } = code;
}
