namespace ActorRec.Compute.Cuda;

/// <summary>One CUDA device as the driver reports it.</summary>
public sealed record CudaDeviceInfo(int Ordinal, string Name, long TotalMemoryBytes, int ComputeMajor, int ComputeMinor, int Multiprocessors)
{
    /// <summary>Compute capability as NVRTC spells it, e.g. 90 for sm_90.</summary>
    public int Architecture => (ComputeMajor * 10) + ComputeMinor;

    public override string ToString() =>
        $"#{Ordinal} {Name}, {TotalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, compute {ComputeMajor}.{ComputeMinor}, {Multiprocessors} SMs";
}

/// <summary>What <see cref="CudaDiscovery.Probe(int)"/> found: usable or not, why, and the devices.</summary>
public sealed record CudaAvailability(bool Available, string Reason, int DriverVersion, IReadOnlyList<CudaDeviceInfo> Devices)
{
    public static CudaAvailability Unavailable(string reason) => new(false, reason, 0, []);
}

/// <summary>
/// Finds out, without throwing, whether the CUDA backend can run here: the driver library loads and exports what we
/// call, <c>cuInit</c> succeeds, the requested device exists, and NVRTC loads. Every "no" comes with a reason that
/// the factory logs ("libcuda.so.1 not found", "cuInit failed: no CUDA-capable device is detected", ...).
/// </summary>
public static unsafe class CudaDiscovery
{
    /// <summary>Probes with the default library names.</summary>
    public static CudaAvailability Probe(int deviceIndex) => Probe(deviceIndex, CudaDriver.DefaultLibraryNames, Nvrtc.DefaultLibraryNames);

    /// <summary>Probes with explicit library names (tests pass names that do not exist to take the "absent" path).</summary>
    public static CudaAvailability Probe(int deviceIndex, IReadOnlyList<string> driverLibraries, IReadOnlyList<string> nvrtcLibraries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceIndex);
        ArgumentNullException.ThrowIfNull(driverLibraries);
        ArgumentNullException.ThrowIfNull(nvrtcLibraries);
        try
        {
            if (!CudaDriver.TryLoad(driverLibraries, out var driver, out var reason))
            {
                return CudaAvailability.Unavailable(reason);
            }

            var result = driver!.Init(0);
            if (result != 0)
            {
                return CudaAvailability.Unavailable($"cuInit failed: {driver.Describe(result)}");
            }

            int version;
            driver.Check(driver.DriverGetVersion(&version), "cuDriverGetVersion");
            var devices = ListDevices(driver);
            if (devices.Count == 0)
            {
                return new CudaAvailability(false, "the CUDA driver reports no device", version, devices);
            }

            if (deviceIndex >= devices.Count)
            {
                return new CudaAvailability(false, $"{ComputeSettings.Path}.device-index = {deviceIndex} but only {devices.Count} device(s) exist", version, devices);
            }

            if (!Nvrtc.TryLoad(nvrtcLibraries, out _, out var nvrtcReason))
            {
                return new CudaAvailability(false, $"NVRTC unavailable ({nvrtcReason}); kernels cannot be compiled", version, devices);
            }

            return new CudaAvailability(true, $"driver {version / 1000}.{version % 1000 / 10}, device {devices[deviceIndex]}", version, devices);
        }
        catch (Exception e) when (e is CudaException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return CudaAvailability.Unavailable(e.Message);
        }
    }

    internal static List<CudaDeviceInfo> ListDevices(CudaDriver driver)
    {
        int count;
        var result = driver.DeviceGetCount(&count);
        var devices = new List<CudaDeviceInfo>();
        if (result != 0)
        {
            return devices;
        }

        for (var i = 0; i < count; i++)
        {
            int device;
            driver.Check(driver.DeviceGet(&device, i), "cuDeviceGet");
            nuint bytes;
            driver.Check(driver.DeviceTotalMem(&bytes, device), "cuDeviceTotalMem_v2");
            devices.Add(new CudaDeviceInfo(
                i,
                driver.DeviceName(device),
                (long)bytes,
                driver.Attribute(device, CudaDriver.AttributeComputeCapabilityMajor),
                driver.Attribute(device, CudaDriver.AttributeComputeCapabilityMinor),
                driver.Attribute(device, CudaDriver.AttributeMultiprocessorCount)));
        }

        return devices;
    }
}
