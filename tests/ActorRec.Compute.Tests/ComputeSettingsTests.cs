namespace ActorRec.Compute.Tests;

public sealed class ComputeSettingsTests
{
    [Fact]
    public void Defaults_match_reference_conf()
    {
        var conf = ReadReferenceConf();
        var d = ComputeSettings.Default;
        Assert.Contains("backend = auto", conf, StringComparison.Ordinal);
        Assert.Equal(ComputeBackendKind.Auto, d.Backend);
        Assert.Contains($"device-index = {d.DeviceIndex}", conf, StringComparison.Ordinal);
        Assert.Contains($"parallel-threshold = {d.ParallelThreshold}", conf, StringComparison.Ordinal);
        Assert.Contains($"max-threads = {d.MaxThreads}", conf, StringComparison.Ordinal);
        Assert.Contains($"query-block = {d.QueryBlock}", conf, StringComparison.Ordinal);
        Assert.Contains("storage-precision = float32", conf, StringComparison.Ordinal);
        Assert.Contains("use-cublas = true", conf, StringComparison.Ordinal);
        Assert.Contains("fallback-to-cpu = true", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_key_in_reference_conf_has_a_comment()
    {
        var lines = ReadReferenceConf().Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (!line.StartsWith('#') && line.Contains(" = ", StringComparison.Ordinal))
            {
                Assert.StartsWith("#", lines[i - 1].Trim(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Create_parses_values()
    {
        var s = ComputeSettings.Create(backend: "CUDA", deviceIndex: 1, parallelThreshold: 10, maxThreads: 4, queryBlock: 8, storagePrecision: "bf16", useCublas: false, fallbackToCpu: false);
        Assert.Equal(ComputeBackendKind.Cuda, s.Backend);
        Assert.Equal(1, s.DeviceIndex);
        Assert.Equal(10, s.ParallelThreshold);
        Assert.Equal(4, s.EffectiveThreads);
        Assert.Equal(8, s.QueryBlock);
        Assert.Equal(StoragePrecision.BFloat16, s.StoragePrecision);
        Assert.False(s.UseCublas);
        Assert.False(s.FallbackToCpu);
        Assert.Equal(Environment.ProcessorCount, ComputeSettings.Create().EffectiveThreads);
    }

    [Theory]
    [InlineData("backend", "gpu")]
    [InlineData("device-index", "-1")]
    [InlineData("parallel-threshold", "0")]
    [InlineData("max-threads", "-2")]
    [InlineData("query-block", "0")]
    [InlineData("storage-precision", "int8")]
    public void Bad_values_name_the_key(string key, string value)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => key switch
        {
            "backend" => ComputeSettings.Create(backend: value),
            "device-index" => ComputeSettings.Create(deviceIndex: int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)),
            "parallel-threshold" => ComputeSettings.Create(parallelThreshold: long.Parse(value, System.Globalization.CultureInfo.InvariantCulture)),
            "max-threads" => ComputeSettings.Create(maxThreads: int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)),
            "query-block" => ComputeSettings.Create(queryBlock: int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)),
            _ => ComputeSettings.Create(storagePrecision: value),
        });
        Assert.Contains($"actorrec.compute.{key} = '{value}'", ex.Message, StringComparison.Ordinal);
    }

    private static string ReadReferenceConf()
    {
        using var stream = typeof(ComputeSettings).Assembly.GetManifestResourceStream("ActorRec.Compute.reference.conf")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
