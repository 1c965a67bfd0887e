using System.Text.Json;

namespace ActorRec.Cli.Tests;

/// <summary>The bench verbs run their harnesses and keep their output contracts (figures are not asserted here).</summary>
public sealed class BenchCommandTests
{
    [Fact]
    public async Task Bench_compute_json_prints_one_object_with_the_documented_keys()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "bench", "compute", "--quick", "--json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        foreach (var key in new[] { "copy_gb_per_s", "score_gb_per_s", "bandwidth_fraction", "scores_per_s" })
        {
            Assert.True(json.RootElement.GetProperty(key).GetDouble() > 0, key);
        }

        Assert.True(json.RootElement.GetProperty("runs").GetArrayLength() > 0);
    }

    [Fact]
    public async Task An_unknown_backend_is_a_usage_error()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "bench", "compute", "--backend", "tpu");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("tpu", result.Error, StringComparison.Ordinal);
    }
}
