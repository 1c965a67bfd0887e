using System.Runtime.InteropServices;

namespace ActorRec.Compute.Cuda;

/// <summary>
/// Loads a native library by trying candidate names in order and resolves exports to raw function pointers. No
/// <c>DllImport</c> is involved, so a missing library or symbol becomes a reason string instead of an exception
/// at the first call, and the trimmer has nothing to keep.
/// </summary>
internal static class NativeLibraryLoader
{
    public static bool TryLoad(IReadOnlyList<string> candidates, out IntPtr handle, out string loadedName, out string reason)
    {
        foreach (var name in candidates)
        {
            if (NativeLibrary.TryLoad(name, out handle))
            {
                loadedName = name;
                reason = string.Empty;
                return true;
            }
        }

        handle = IntPtr.Zero;
        loadedName = string.Empty;
        reason = candidates.Count == 1 ? $"{candidates[0]} not found" : $"none of {string.Join(", ", candidates)} found";
        return false;
    }

    /// <summary>Resolves an export or records its name as missing.</summary>
    public static IntPtr Export(IntPtr handle, string name, List<string> missing)
    {
        if (NativeLibrary.TryGetExport(handle, name, out var address))
        {
            return address;
        }

        missing.Add(name);
        return IntPtr.Zero;
    }
}
