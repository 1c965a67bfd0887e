using System.Runtime.InteropServices;
using System.Text;

namespace ActorRec.Compute.Cuda;

/// <summary>
/// NVRTC (libnvrtc): compiles the CUDA C kernel source kept in this assembly to PTX at start-up, for the exact
/// compute capability of the device. Needs no device, so the compilation itself is checked on machines without a GPU.
/// </summary>
public sealed unsafe class Nvrtc
{
    /// <summary>Names tried in order (CUDA 12 first, then 11.x, then an unversioned link).</summary>
    public static readonly string[] DefaultLibraryNames = ["libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so", "nvrtc64_120_0.dll"];

    private readonly delegate* unmanaged<int*, int*, int> _version;
    private readonly delegate* unmanaged<IntPtr*, byte*, byte*, int, byte**, byte**, int> _createProgram;
    private readonly delegate* unmanaged<IntPtr, int, byte**, int> _compileProgram;
    private readonly delegate* unmanaged<IntPtr, nuint*, int> _getPtxSize;
    private readonly delegate* unmanaged<IntPtr, byte*, int> _getPtx;
    private readonly delegate* unmanaged<IntPtr, nuint*, int> _getLogSize;
    private readonly delegate* unmanaged<IntPtr, byte*, int> _getLog;
    private readonly delegate* unmanaged<IntPtr*, int> _destroyProgram;
    private readonly delegate* unmanaged<int*, int> _getNumSupportedArchs;
    private readonly delegate* unmanaged<int*, int> _getSupportedArchs;

    private Nvrtc(IntPtr handle, string name, List<string> missing)
    {
        LibraryName = name;
        _version = (delegate* unmanaged<int*, int*, int>)NativeLibraryLoader.Export(handle, "nvrtcVersion", missing);
        _createProgram = (delegate* unmanaged<IntPtr*, byte*, byte*, int, byte**, byte**, int>)NativeLibraryLoader.Export(handle, "nvrtcCreateProgram", missing);
        _compileProgram = (delegate* unmanaged<IntPtr, int, byte**, int>)NativeLibraryLoader.Export(handle, "nvrtcCompileProgram", missing);
        _getPtxSize = (delegate* unmanaged<IntPtr, nuint*, int>)NativeLibraryLoader.Export(handle, "nvrtcGetPTXSize", missing);
        _getPtx = (delegate* unmanaged<IntPtr, byte*, int>)NativeLibraryLoader.Export(handle, "nvrtcGetPTX", missing);
        _getLogSize = (delegate* unmanaged<IntPtr, nuint*, int>)NativeLibraryLoader.Export(handle, "nvrtcGetProgramLogSize", missing);
        _getLog = (delegate* unmanaged<IntPtr, byte*, int>)NativeLibraryLoader.Export(handle, "nvrtcGetProgramLog", missing);
        _destroyProgram = (delegate* unmanaged<IntPtr*, int>)NativeLibraryLoader.Export(handle, "nvrtcDestroyProgram", missing);

        // Optional (NVRTC >= 11.2): the architectures this NVRTC can target.
        var optional = new List<string>();
        _getNumSupportedArchs = (delegate* unmanaged<int*, int>)NativeLibraryLoader.Export(handle, "nvrtcGetNumSupportedArchs", optional);
        _getSupportedArchs = (delegate* unmanaged<int*, int>)NativeLibraryLoader.Export(handle, "nvrtcGetSupportedArchs", optional);
    }

    /// <summary>The library file that was loaded.</summary>
    public string LibraryName { get; }

    /// <summary>Loads NVRTC; false with a reason ("libnvrtc... not found") when it is absent.</summary>
    public static bool TryLoad(out Nvrtc? nvrtc, out string reason) => TryLoad(DefaultLibraryNames, out nvrtc, out reason);

    public static bool TryLoad(IReadOnlyList<string> libraryNames, out Nvrtc? nvrtc, out string reason)
    {
        nvrtc = null;
        if (!NativeLibraryLoader.TryLoad(libraryNames, out var handle, out var name, out reason))
        {
            return false;
        }

        var missing = new List<string>();
        var loaded = new Nvrtc(handle, name, missing);
        if (missing.Count > 0)
        {
            reason = $"{name} lacks {string.Join(", ", missing)}";
            return false;
        }

        nvrtc = loaded;
        return true;
    }

    /// <summary>NVRTC's version, e.g. (12, 4).</summary>
    public (int Major, int Minor) Version()
    {
        int major, minor;
        Check(_version(&major, &minor), "nvrtcVersion");
        return (major, minor);
    }

    /// <summary>
    /// The highest virtual architecture this NVRTC supports that is not above the device's
    /// (<c>major·10 + minor</c>); the driver JIT-compiles PTX for an older virtual architecture on newer GPUs.
    /// </summary>
    public int BestArchitecture(int deviceArchitecture)
    {
        if (_getNumSupportedArchs == null || _getSupportedArchs == null)
        {
            return deviceArchitecture;
        }

        int count;
        Check(_getNumSupportedArchs(&count), "nvrtcGetNumSupportedArchs");
        var archs = new int[count];
        fixed (int* p = archs)
        {
            Check(_getSupportedArchs(p), "nvrtcGetSupportedArchs");
        }

        var best = 0;
        foreach (var arch in archs)
        {
            if (arch <= deviceArchitecture && arch > best)
            {
                best = arch;
            }
        }

        return best == 0 ? deviceArchitecture : best;
    }

    /// <summary>Compiles CUDA C source to PTX for <c>compute_{architecture}</c>; the exception carries the compiler log.</summary>
    public byte[] CompileToPtx(string source, string programName, int architecture)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(programName);
        var src = NullTerminated(source);
        var nameBytes = NullTerminated(programName);
        var options = new[] { NullTerminated($"--gpu-architecture=compute_{architecture}"), NullTerminated("--std=c++14"), NullTerminated("--use_fast_math") };
        IntPtr program;
        fixed (byte* s = src)
        fixed (byte* n = nameBytes)
        {
            Check(_createProgram(&program, s, n, 0, null, null), "nvrtcCreateProgram");
        }

        try
        {
            var handles = new GCHandle[options.Length];
            var pointers = stackalloc byte*[options.Length];
            try
            {
                for (var i = 0; i < options.Length; i++)
                {
                    handles[i] = GCHandle.Alloc(options[i], GCHandleType.Pinned);
                    pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
                }

                var result = _compileProgram(program, options.Length, pointers);
                if (result != 0)
                {
                    throw new CudaException("nvrtcCompileProgram", result, $"compiling {programName} for compute_{architecture}:\n{Log(program)}");
                }
            }
            finally
            {
                foreach (var h in handles)
                {
                    if (h.IsAllocated)
                    {
                        h.Free();
                    }
                }
            }

            nuint size;
            Check(_getPtxSize(program, &size), "nvrtcGetPTXSize");
            var ptx = new byte[(int)size];
            fixed (byte* p = ptx)
            {
                Check(_getPtx(program, p), "nvrtcGetPTX");
            }

            return ptx;
        }
        finally
        {
            _destroyProgram(&program);
        }
    }

    private string Log(IntPtr program)
    {
        nuint size;
        if (_getLogSize(program, &size) != 0 || size == 0)
        {
            return "(no log)";
        }

        var log = new byte[(int)size];
        fixed (byte* p = log)
        {
            _getLog(program, p);
        }

        return Encoding.UTF8.GetString(log).TrimEnd('\0');
    }

    private static byte[] NullTerminated(string text) => Encoding.UTF8.GetBytes(text + "\0");

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new CudaException(call, result, $"nvrtcResult {result}");
        }
    }
}
