namespace ActorRec.Hocon.Tests;

public sealed class CliTests
{
    [Fact]
    public void Resolve_prints_json_and_exits_zero()
    {
        using var dir = new TempDir();
        var file = dir.Write("app.conf", "a = 1\nb = ${a}\nc = ${?PORT}\n");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = HoconCli.Resolve(file, json: true, stdout, stderr, new Dictionary<string, string> { ["PORT"] = "80" });
        Assert.Equal(0, code);
        Assert.Equal("{\n  \"a\": 1,\n  \"b\": 1,\n  \"c\": \"80\"\n}\n", stdout.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("", stderr.ToString());
    }

    [Fact]
    public void Resolve_prints_hocon_without_json_flag()
    {
        using var dir = new TempDir();
        var file = dir.Write("app.conf", "a.b = x\n");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(0, HoconCli.Resolve(file, json: false, stdout, stderr, null));
        Assert.Equal("x", ConfigFactory.ParseString(stdout.ToString()).Resolve().GetString("a.b"));
    }

    [Fact]
    public void Resolve_reports_a_bad_file_as_file_line_column_and_exits_two()
    {
        using var dir = new TempDir();
        var file = dir.Write("bad.conf", "a = 1\nb = [1, 2\n");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = HoconCli.Resolve(file, json: true, stdout, stderr, null);
        Assert.Equal(2, code);
        Assert.Equal("", stdout.ToString());
        Assert.StartsWith(file + ":3:1: expected ']' to close the array opened at 2:5", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_reports_an_unresolvable_substitution_and_a_missing_file()
    {
        using var dir = new TempDir();
        var file = dir.Write("sub.conf", "x = ${nope}\n");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(2, HoconCli.Resolve(file, json: true, stdout, stderr, null));
        Assert.StartsWith(file + ":1:5: could not resolve substitution ${nope}", stderr.ToString(), StringComparison.Ordinal);

        using var stderr2 = new StringWriter();
        var missing = Path.Combine(dir.Path, "missing.conf");
        Assert.Equal(2, HoconCli.Resolve(missing, json: true, stdout, stderr2, null));
        Assert.StartsWith(missing + ":1:1: config file not found", stderr2.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_config_resolves_through_the_cli()
    {
        var file = Path.Combine(SuiteLocator.RepoRoot(), "hocon", "actorrec.conf");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(0, HoconCli.Resolve(file, json: true, stdout, stderr, new Dictionary<string, string>()));
        var config = ConfigFactory.ParseString(stdout.ToString(), new HoconParseOptions { Syntax = HoconSyntax.Json }).Resolve();
        Assert.Equal(5080, config.GetInt("actorrec.http.port"));
        Assert.Equal("warning", config.GetString("actorrec.logging.overrides.\"Microsoft.AspNetCore\""));
    }
}
