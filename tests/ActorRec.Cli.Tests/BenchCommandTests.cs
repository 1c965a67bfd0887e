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
    public async Task Bench_actors_json_prints_exactly_the_twelve_contract_keys()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "bench", "actors", "--json", "--scale", "0.001", "--runs", "1");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        string[] expected =
        [
            "pingpong_1pair_rt_per_s", "pingpong_4pairs_rt_per_s", "pingpong_1pair_inflight1000_rt_per_s",
            "pingpong_4pairs_inflight1000_rt_per_s", "tell_msgs_per_s", "fanout_msgs_per_s", "actor_creation_per_s",
            "bytes_per_idle_actor", "ask_p50_us", "ask_p99_us", "ask_p999_us", "asks_per_s",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), json.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var property in json.RootElement.EnumerateObject())
        {
            Assert.Equal(JsonValueKind.Number, property.Value.ValueKind);
        }
    }

    [Fact]
    public async Task Bench_actors_table_puts_akka_figures_beside_ours()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "bench", "actors", "--scale", "0.001", "--runs", "1");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("Akka.NET", result.Output, StringComparison.Ordinal);
        Assert.Contains("4.56 M", result.Output, StringComparison.Ordinal);
        Assert.Contains("(d) ask p99", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--scale", "0")]
    [InlineData("--scale", "11")]
    [InlineData("--runs", "0")]
    public async Task Bench_actors_rejects_bad_counts(string option, string value)
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "bench", "actors", option, value);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_micro_passes_arguments_to_benchmarkdotnet()
    {
        using var dir = new TempDir();
        var list = await CliRunner.RunAsync(dir.Path, "bench", "micro", "--", "--list", "flat");
        Assert.Equal(ExitCodes.Ok, list.ExitCode);

        var none = await CliRunner.RunAsync(dir.Path, "bench", "micro", "--", "--filter", "*NoSuchBenchmark*");
        Assert.Equal(ExitCodes.Usage, none.ExitCode);
        Assert.Contains("no benchmark matched", none.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_journal_json_prints_the_documented_keys()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "bench", "journal", "--scale", "0.005", "--data-dir", "bench", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        foreach (var key in new[]
        {
            "persist_events_per_s_1", "persist_events_per_s_100", "persist_events_per_s_10000",
            "persist_p50_ms", "persist_p99_ms", "recovery_events_per_s",
        })
        {
            Assert.True(json.RootElement.GetProperty(key).GetDouble() > 0, key);
        }

        Assert.Equal("sqlite", json.RootElement.GetProperty("store").GetString());
    }

    [Theory]
    [InlineData("--postgres", "Host=localhost")]
    [InlineData("--store", "oracle")]
    [InlineData("--scale", "0")]
    public async Task Bench_journal_rejects_bad_options(string option, string value)
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "bench", "journal", option, value);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
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
