using ActorRec.Hocon.Settings;

namespace ActorRec.Hocon.Tests;

public sealed class SettingsTests
{
    private static readonly Dictionary<string, string> NoEnv = [];

    private static string ShippedConfig => Path.Combine(SuiteLocator.RepoRoot(), "hocon", "actorrec.conf");

    [Fact]
    public void The_shipped_config_with_the_embedded_reference_builds_the_settings_record()
    {
        var config = ConfigLoader.Load(ShippedConfig, NoEnv, typeof(SettingsTests).Assembly);
        var settings = ExampleNodeSettings.Create(config);
        Assert.Equal("actorrec-1", settings.NodeName);
        Assert.Equal("./actorrec-data", settings.DataDir);
        Assert.Equal("127.0.0.1", settings.Host);
        Assert.Equal(5080, settings.Port);
        Assert.Equal(1024L * 1024, settings.MaxRequestBody);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.ShutdownTimeout);
        Assert.Equal(ExampleLogLevel.Info, settings.Level);
        Assert.Equal(ExampleLogLevel.Warning, settings.LevelOverrides["Microsoft.AspNetCore"]);
        Assert.Equal(ExampleLogFormat.Console, settings.Format);
        Assert.Null(settings.LogFile);
        Assert.True(settings.AsyncLogging);
    }

    [Fact]
    public void Environment_variables_override_the_shipped_defaults()
    {
        var env = new Dictionary<string, string>
        {
            ["ACTORREC_PORT"] = "6000",
            ["ACTORREC_HOST"] = "0.0.0.0",
            ["ACTORREC_NODE_NAME"] = "actorrec-7",
            ["ACTORREC_LOG_FORMAT"] = "json",
            ["ACTORREC_LOG_FILE"] = "/var/log/actorrec.log",
        };
        var settings = ExampleNodeSettings.Create(ConfigLoader.Load(ShippedConfig, env, typeof(SettingsTests).Assembly));
        Assert.Equal(6000, settings.Port);
        Assert.Equal("0.0.0.0", settings.Host);
        Assert.Equal("actorrec-7", settings.NodeName);
        Assert.Equal(ExampleLogFormat.Json, settings.Format);
        Assert.Equal("/var/log/actorrec.log", settings.LogFile);
    }

    [Fact]
    public void Every_key_of_the_shipped_config_has_a_comment()
    {
        var lines = File.ReadAllLines(ShippedConfig);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var isAssignment = line.Length > 0 && !line.StartsWith('#') && !line.StartsWith('}') && !line.Contains("${", StringComparison.Ordinal);
            if (!isAssignment || line == "actorrec {")
            {
                continue;
            }

            Assert.True(i > 0 && lines[i - 1].Trim().StartsWith('#'), $"line {i + 1} ({line}) has no comment above it");
        }
    }

    [Fact]
    public void A_user_file_overrides_the_reference_and_a_bad_value_names_its_key()
    {
        using var dir = new TempDir();
        var user = dir.Write("app.conf", "include \"" + ShippedConfig.Replace("\\", "\\\\", StringComparison.Ordinal) + "\"\nactorrec.http.port = 70000\n");
        var config = ConfigLoader.Load(user, NoEnv, typeof(SettingsTests).Assembly);
        var e = Assert.Throws<SettingsException>(() => ExampleNodeSettings.Create(config));
        Assert.Equal("actorrec.http.port", e.Path);
        Assert.StartsWith("invalid setting 'actorrec.http.port': must be between 1 and 65535, got 70000", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.Origin?.Line);
    }

    [Fact]
    public void Wrong_types_and_unknown_enum_names_name_the_key_and_what_was_allowed()
    {
        var config = ConfigLoader.Load(
            ConfigFactory.ParseString("actorrec { node-name = n, data-dir = d, http { host = h, port = eighty }, logging { level = loud, overrides {}, format = console, async = true } }"),
            NoEnv,
            typeof(SettingsTests).Assembly);
        var e = Assert.Throws<SettingsException>(() => ExampleNodeSettings.Create(config));
        Assert.Equal("actorrec.http.port", e.Path);
        Assert.Contains("expected int", e.Message, StringComparison.Ordinal);

        var level = Assert.Throws<SettingsException>(() => config.GetEnum<ExampleLogLevel>("actorrec.logging.level"));
        Assert.Contains("'loud' is not one of: verbose, debug, info, warning, error, fatal", level.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_keys_are_settings_errors_naming_the_path()
    {
        var e = Assert.Throws<SettingsException>(() => Config.Empty.GetPositiveInt("module.batch-size"));
        Assert.Equal("module.batch-size", e.Path);
        Assert.Contains("missing config key 'module.batch-size'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Range_helpers_accept_valid_values_and_reject_the_rest()
    {
        var config = Hocon.Resolve("n = 0\np = 5\nd = -1s\nz = 0\nr = 0.5\ne = round-robin\nempty = \"\"");
        Assert.Equal(5, config.GetPositiveInt("p"));
        Assert.Equal(0, config.GetNonNegativeInt("n"));
        Assert.Throws<SettingsException>(() => config.GetPositiveInt("n"));
        Assert.Throws<SettingsException>(() => config.GetPositiveDuration("d"));
        Assert.Throws<SettingsException>(() => config.GetPositiveBytes("z"));
        Assert.Equal(0.5, config.GetDoubleInRange("r", 0, 1));
        Assert.Throws<SettingsException>(() => config.GetDoubleInRange("r", 0.6, 1));
        Assert.Equal(RoutingMode.RoundRobin, config.GetEnum<RoutingMode>("e"));
        Assert.Throws<SettingsException>(() => config.GetRequiredString("empty"));
        Assert.Null(config.GetOptionalString("absent"));
    }

    [Fact]
    public void References_from_several_assemblies_merge_and_the_user_config_wins()
    {
        var references = ConfigLoader.LoadReferences(typeof(SettingsTests).Assembly, typeof(Config).Assembly);
        Assert.Equal("10s", references.Resolve().GetString("actorrec.shutdown-timeout"));
        var config = ConfigLoader.Load(ConfigFactory.ParseString("actorrec.shutdown-timeout = 3s"), null, typeof(SettingsTests).Assembly);
        Assert.Equal(TimeSpan.FromSeconds(3), config.GetDuration("actorrec.shutdown-timeout"));
        Assert.Equal(1048576L, config.GetBytes("actorrec.http.max-request-body"));
    }

    public enum RoutingMode
    {
        RoundRobin,
        Random,
    }
}
