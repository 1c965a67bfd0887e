using ActorRec.Compute.Cuda;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ActorRec.Compute.Tests.Support;

/// <summary>
/// Marks a test class whose backend needs a CUDA device. Contract tests (<see cref="BackendFactAttribute"/>) in such a
/// class are reported as skipped, with the probe's reason ("No CUDA device: libcuda.so.1 not found"), when no device
/// is present, instead of failing or passing vacuously.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresCudaAttribute : Attribute
{
    private static readonly Lazy<CudaAvailability> Availability = new(() => CudaDiscovery.Probe(0));

    /// <summary>Null when a device is present, else the skip reason.</summary>
    public static string? SkipReason => Availability.Value.Available ? null : $"No CUDA device present: {Availability.Value.Reason}";
}

/// <summary>A [Fact] for backend contract tests: skipped with a reason when the concrete class needs a device that is absent.</summary>
[XunitTestCaseDiscoverer("ActorRec.Compute.Tests.Support.BackendFactDiscoverer", "ActorRec.Compute.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendFactAttribute : FactAttribute;

public sealed class BackendFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var needsCuda = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresCudaAttribute)).Any();
        var skip = needsCuda ? RequiresCudaAttribute.SkipReason : null;
        yield return new BackendTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, skip);
    }
}

public sealed class BackendTestCase : XunitTestCase
{
    private string? _skip;

    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public BackendTestCase()
    {
    }

    public BackendTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod method, string? skip)
        : base(sink, display, options, method)
    {
        _skip = skip;
    }

    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("BackendSkip", _skip);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        _skip = data.GetValue<string>("BackendSkip");
        base.Deserialize(data);
    }

    protected override string? GetSkipReason(IAttributeInfo factAttribute) => _skip ?? base.GetSkipReason(factAttribute);
}

/// <summary>
/// A [Fact] that runs only where NVRTC (libnvrtc) can be loaded; skipped with the reason otherwise. CI installs
/// NVRTC and sets <c>ACTORREC_REQUIRE_NVRTC=1</c>: then the test always runs, so a missing library fails it.
/// </summary>
public sealed class NvrtcFactAttribute : FactAttribute
{
    public NvrtcFactAttribute()
    {
        var required = Environment.GetEnvironmentVariable("ACTORREC_REQUIRE_NVRTC") == "1";
        if (!required && !Nvrtc.TryLoad(out _, out var reason))
        {
            Skip = $"NVRTC not present ({reason}); set LD_LIBRARY_PATH to a libnvrtc directory to run the kernel compilation check";
        }
    }
}
