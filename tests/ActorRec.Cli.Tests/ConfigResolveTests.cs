using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorRec.Cli.Tests;

/// <summary>The <c>actorrec config resolve FILE [--json]</c> contract, in-process and through the built executable.</summary>
public sealed partial class ConfigResolveTests
{
    private const string Good = """
        include "common.conf"
        service {
          name = feed
          port = ${base-port}
          url = "http://localhost:"${service.port}
          tags = [a, b]
        }
        """;

    private const string Common = "base-port = 8080\n";

    private const string Bad = "service {\n  name = feed\n  port = [1, 2\n}\n";

    [Fact]
    public async Task A_good_file_prints_resolved_json_and_exits_0()
    {
        using var dir = new TempDir();
        dir.Write("common.conf", Common);
        var file = dir.Write("good.conf", Good);

        var result = await CliRunner.RunAsync(dir.Path, "config", "resolve", file, "--json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Equal(string.Empty, result.Error);
        AssertResolved(result.Output);
    }

    [Fact]
    public async Task Environment_variables_fill_optional_substitutions()
    {
        using var dir = new TempDir();
        var file = dir.Write("env.conf", "port = 1\nport = ${?TEST_PORT}\n");
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error, dir.Path, new Dictionary<string, string> { ["TEST_PORT"] = "9999" });

        var exit = await CliApp.InvokeAsync(["config", "resolve", file, "--json"], context);

        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal("9999", json.RootElement.GetProperty("port").ToString());
    }

    [Fact]
    public async Task Without_json_it_prints_hocon_that_parses_back()
    {
        using var dir = new TempDir();
        dir.Write("common.conf", Common);
        var file = dir.Write("good.conf", Good);

        var hocon = await CliRunner.RunAsync(dir.Path, "config", "resolve", file);
        Assert.Equal(ExitCodes.Ok, hocon.ExitCode);
        var again = dir.Write("again.conf", hocon.Output);

        var json = await CliRunner.RunAsync(dir.Path, "config", "resolve", again, "--json");
        Assert.Equal(ExitCodes.Ok, json.ExitCode);
        AssertResolved(json.Output);
    }

    [Fact]
    public async Task A_bad_file_prints_file_line_col_on_stderr_and_exits_2()
    {
        using var dir = new TempDir();
        var file = dir.Write("bad.conf", Bad);

        var result = await CliRunner.RunAsync(dir.Path, "config", "resolve", file, "--json");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var match = Position().Match(line);
        Assert.True(match.Success, $"not FILE:LINE:COL: message: {line}");
        Assert.Equal(file, match.Groups["file"].Value);
        Assert.InRange(int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), 3, 4);
    }

    [Fact]
    public async Task A_missing_file_is_reported_the_same_way()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "nope.conf");
        var result = await CliRunner.RunAsync(dir.Path, "config", "resolve", missing, "--json");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith($"{missing}:1:1: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_requires_a_file()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "config", "resolve");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("actorrec config resolve --help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_built_executable_keeps_the_contract()
    {
        using var dir = new TempDir();
        dir.Write("common.conf", Common);
        dir.Write("good.conf", Good);
        dir.Write("bad.conf", Bad);

        var good = await CliRunner.RunProcessAsync(dir.Path, "config", "resolve", "good.conf", "--json");
        Assert.True(good.ExitCode == 0, good.Error);
        AssertResolved(good.Output);

        var bad = await CliRunner.RunProcessAsync(dir.Path, "config", "resolve", "bad.conf", "--json");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal(string.Empty, bad.Output);
        var match = Position().Match(bad.Error.Trim());
        Assert.True(match.Success, $"not FILE:LINE:COL: message: {bad.Error}");
        Assert.Equal("bad.conf", match.Groups["file"].Value);
    }

    [Fact]
    public async Task The_shipped_node_config_resolves()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "hocon", "actorrec.conf");
        Assert.True(File.Exists(shipped), $"{shipped} was not copied beside the executable");
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "config", "resolve", shipped, "--json");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(JsonValueKind.Object, json.RootElement.GetProperty("actorrec").ValueKind);
    }

    private static void AssertResolved(string output)
    {
        using var json = JsonDocument.Parse(output);
        var service = json.RootElement.GetProperty("service");
        Assert.Equal("feed", service.GetProperty("name").GetString());
        Assert.Equal(8080, service.GetProperty("port").GetInt32());
        Assert.Equal("http://localhost:8080", service.GetProperty("url").GetString());
        Assert.Equal(2, service.GetProperty("tags").GetArrayLength());
        Assert.Equal(8080, json.RootElement.GetProperty("base-port").GetInt32());
    }

    [GeneratedRegex(@"^(?<file>.+):(?<line>\d+):(?<col>\d+): \S.*$")]
    private static partial Regex Position();
}
