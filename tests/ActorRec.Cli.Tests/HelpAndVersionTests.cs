namespace ActorRec.Cli.Tests;

public sealed class HelpAndVersionTests
{
    [Theory]
    [InlineData("serve", "--port")]
    [InlineData("bench", "micro")]
    [InlineData("config", "resolve")]
    [InlineData("config resolve", "--json")]
    [InlineData("bench compute", "--backend")]
    [InlineData("bench actors", "--scale")]
    [InlineData("bench journal", "--store")]
    [InlineData("journal", "verify")]
    [InlineData("journal list", "--postgres")]
    [InlineData("journal show", "PERSISTENCE-ID")]
    [InlineData("journal replay", "--to-time")]
    [InlineData("journal verify", "--decode")]
    [InlineData("journal export", "--output")]
    [InlineData("bench micro", "benchmarkdotnet-args")]
    public async Task Every_verb_has_help(string verb, string mentions)
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, [.. verb.Split(' '), "--help"]);
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.Contains(mentions, result.Output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Error);
    }

    [Fact]
    public async Task Root_help_lists_the_verbs()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "--help");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        foreach (var verb in new[] { "serve", "config", "bench", "journal" })
        {
            Assert.Contains(verb, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Version_prints_the_product_version()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "--version");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.StartsWith(ActorRec.Server.ActorRecHost.Version, result.Output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_options_are_usage_errors_with_exit_2()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "serve", "--no-such-option");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--no-such-option", result.Error, StringComparison.Ordinal);
        Assert.Contains("actorrec serve --help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_option_value_is_a_usage_error()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "serve", "--port", "eighty");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("eighty", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_out_of_range_port_names_the_setting()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "serve", "--port", "70000");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("actorrec.http.port", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actorrec.feed.embedding-dim = -3", "actorrec.feed.embedding-dim")]
    [InlineData("actorrec.persistence.plugin = mongo", "actorrec.persistence.plugin")]
    [InlineData("actorrec.actors.throughput = 0", "actorrec.actors.throughput")]
    [InlineData("actorrec.compute.backend = quantum", "actorrec.compute.backend")]
    public async Task A_bad_module_setting_stops_serve_and_names_its_key(string line, string key)
    {
        using var dir = new TempDir();
        var file = dir.Write("node.conf", line + "\n");
        var result = await CliRunner.RunAsync(dir.Path, "serve", "--config", file, "--port", "0", "--no-demo");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(key, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_config_file_is_a_usage_error()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "serve", "--config", "nope.conf");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("config file not found: nope.conf", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_verb_prints_help_and_exits_2()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("serve", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_built_executable_answers_help_and_version()
    {
        using var dir = new TempDir();
        var version = await CliRunner.RunProcessAsync(dir.Path, "--version");
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith(ActorRec.Server.ActorRecHost.Version, version.Output.Trim(), StringComparison.Ordinal);

        var help = await CliRunner.RunProcessAsync(dir.Path, "serve", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("actorrec serve [options]", help.Output, StringComparison.Ordinal);
    }
}
