using ActorRec.Compute.Cuda;
using ActorRec.Compute.Tests.Support;

namespace ActorRec.Compute.Tests;

public sealed class CudaLoaderTests
{
    [Fact]
    public void Missing_driver_library_gives_a_clean_unavailable_reason()
    {
        var availability = CudaDiscovery.Probe(0, ["libcuda-does-not-exist.so.1"], Nvrtc.DefaultLibraryNames);
        Assert.False(availability.Available);
        Assert.Equal("libcuda-does-not-exist.so.1 not found", availability.Reason);
        Assert.Empty(availability.Devices);
    }

    [Fact]
    public void A_library_without_the_driver_exports_is_reported_not_called()
    {
        // libc loads fine but exports no cu* symbols: the loader must name what is missing instead of crashing.
        var availability = CudaDiscovery.Probe(0, ["libc.so.6"], Nvrtc.DefaultLibraryNames);
        Assert.False(availability.Available);
        Assert.StartsWith("libc.so.6 lacks cuInit", availability.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_probe_never_throws_and_explains_a_no()
    {
        var availability = CudaDiscovery.Probe(0);
        if (!availability.Available)
        {
            Assert.False(string.IsNullOrWhiteSpace(availability.Reason));
        }
        else
        {
            Assert.NotEmpty(availability.Devices);
        }
    }

    [Fact]
    public void Explicit_cuda_backend_without_a_driver_throws_a_clear_error()
    {
        if (CudaDiscovery.Probe(0).Available)
        {
            return; // a GPU machine: the contract tests cover creation
        }

        var ex = Assert.Throws<InvalidOperationException>(() => CudaScoringBackend.Create(ComputeSettings.Default with { Backend = ComputeBackendKind.Cuda }));
        Assert.StartsWith("CUDA backend unavailable:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_nvrtc_is_reported()
    {
        Assert.False(Nvrtc.TryLoad(["libnvrtc-does-not-exist.so"], out var nvrtc, out var reason));
        Assert.Null(nvrtc);
        Assert.Equal("libnvrtc-does-not-exist.so not found", reason);
    }

    [Fact]
    public void Kernel_source_is_embedded_and_declares_every_kernel()
    {
        var source = KernelSource.Scoring();
        foreach (var kernel in KernelSource.KernelNames)
        {
            Assert.Contains($"__global__ void {kernel}(", source, StringComparison.Ordinal);
        }
    }

    [NvrtcFact]
    public void Kernel_source_compiles_to_ptx_with_every_entry_point()
    {
        Assert.True(Nvrtc.TryLoad(out var nvrtc, out var reason), reason);
        foreach (var architecture in new[] { 70, 80, 90 })
        {
            var arch = nvrtc!.BestArchitecture(architecture);
            var ptx = System.Text.Encoding.ASCII.GetString(nvrtc.CompileToPtx(KernelSource.Scoring(), "scoring.cu", arch));
            Assert.Contains($".target sm_{arch}", ptx, StringComparison.Ordinal);
            foreach (var kernel in KernelSource.KernelNames)
            {
                Assert.Contains($".entry {kernel}(", ptx, StringComparison.Ordinal);
            }
        }
    }

    [NvrtcFact]
    public void Compilation_errors_carry_the_compiler_log()
    {
        Assert.True(Nvrtc.TryLoad(out var nvrtc, out _));
        var ex = Assert.Throws<CudaException>(() => nvrtc!.CompileToPtx("extern \"C\" __global__ void broken() { undeclared_symbol = 1; }", "broken.cu", 70));
        Assert.Equal("nvrtcCompileProgram", ex.Call);
        Assert.Contains("undeclared_symbol", ex.Message, StringComparison.Ordinal);
    }
}
