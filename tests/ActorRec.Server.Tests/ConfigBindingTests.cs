using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Server.Logging;
using Serilog;
using Serilog.Events;

namespace ActorRec.Server.Tests;

/// <summary>The settings records read from HOCON: this module's reference.conf under a user file.</summary>
public sealed class ConfigBindingTests
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    private static Config Load(string user, IReadOnlyDictionary<string, string>? environment = null) =>
        ConfigLoader.Load(ConfigFactory.ParseString(user, new HoconParseOptions { OriginName = "test.conf" }),
            environment ?? NoEnvironment, typeof(ActorRecHost).Assembly);

    [Fact]
    public void Reference_conf_alone_gives_the_documented_defaults()
    {
        var config = Load("");
        Assert.Equal(ServerSettings.Default, ServerSettings.Create(config));

        var logging = LoggingSettings.Create(config);
        var expected = LoggingSettings.Default;
        Assert.Equal(expected.MinimumLevel, logging.MinimumLevel);
        Assert.Equal(expected.Format, logging.Format);
        Assert.Equal(expected.Overrides.OrderBy(p => p.Key), logging.Overrides.OrderBy(p => p.Key));
        Assert.Null(logging.File);
        Assert.Equal(expected.Async, logging.Async);
        Assert.Equal(expected.AsyncBufferSize, logging.AsyncBufferSize);
    }

    [Fact]
    public void User_values_and_environment_variables_override_the_reference()
    {
        var config = Load("""
            actorrec {
              node-name = edge-7
              http { port = 6000, max-body-bytes = 64KiB }
              shutdown-timeout = 5s
              logging {
                level = debug
                overrides { "ActorRec.Actors" = warning }
              }
            }
            """, new Dictionary<string, string> { ["ACTORREC_HOST"] = "0.0.0.0", ["ACTORREC_LOG_FORMAT"] = "json" });

        var server = ServerSettings.Create(config);
        Assert.Equal("edge-7", server.NodeName);
        Assert.Equal(6000, server.HttpPort);
        Assert.Equal("0.0.0.0", server.HttpHost);
        Assert.Equal(64 * 1024, server.MaxBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), server.ShutdownTimeout);

        var logging = LoggingSettings.Create(config);
        Assert.Equal(LogEventLevel.Debug, logging.MinimumLevel);
        Assert.Equal(LogFormat.Json, logging.Format);
        Assert.Equal(LogEventLevel.Warning, logging.Overrides["ActorRec.Actors"]);
        Assert.Equal(LogEventLevel.Warning, logging.Overrides["Microsoft.AspNetCore"]);
    }

    [Theory]
    [InlineData("actorrec.http.port = 70000", "actorrec.http.port")]
    [InlineData("actorrec.http.port = many", "actorrec.http.port")]
    [InlineData("actorrec.http.host = \"example.org\"", "actorrec.http.host")]
    [InlineData("actorrec.http.max-body-bytes = 0", "actorrec.http.max-body-bytes")]
    [InlineData("actorrec.shutdown-timeout = soon", "actorrec.shutdown-timeout")]
    [InlineData("actorrec.node-name = \"\"", "actorrec.node-name")]
    public void Bad_server_values_name_their_key(string user, string key)
    {
        var error = Assert.Throws<SettingsException>(() => ServerSettings.Create(Load(user)));
        Assert.Equal(key, error.Path);
    }

    [Theory]
    [InlineData("actorrec.logging.level = shouting", "actorrec.logging.level")]
    [InlineData("actorrec.logging.format = xml", "actorrec.logging.format")]
    [InlineData("actorrec.logging.async = maybe", "actorrec.logging.async")]
    [InlineData("actorrec.logging.async-buffer-size = 0", "actorrec.logging.async-buffer-size")]
    [InlineData("actorrec.logging.file = 42", "actorrec.logging.file")]
    [InlineData("actorrec.logging.file { rolling = day }", "actorrec.logging.file.path")]
    [InlineData("actorrec.logging.file { path = a.log, rolling = weekly }", "actorrec.logging.file.rolling")]
    [InlineData("actorrec.logging.overrides { \"Foo\" = [1] }", "actorrec.logging.overrides.\"Foo\"")]
    public void Bad_logging_values_name_their_key(string user, string key)
    {
        var error = Assert.Throws<SettingsException>(() => LoggingSettings.Create(Load(user)));
        Assert.Equal(key, error.Path);
    }

    [Fact]
    public void A_file_path_means_daily_json_files()
    {
        var logging = LoggingSettings.Create(Load("actorrec.logging.file = \"logs/node.log\""));
        var file = Assert.IsType<FileLogSettings>(logging.File);
        Assert.Equal("logs/node.log", file.Path);
        Assert.Equal(RollingInterval.Day, file.Rolling);
        Assert.Equal(LogFormat.Json, file.Format);
        Assert.Equal(7, file.RetainedFiles);
    }

    [Fact]
    public void A_file_object_spells_out_every_choice()
    {
        var logging = LoggingSettings.Create(Load(
            "actorrec.logging.file { path = n.log, rolling = hour, size-limit = 10MiB, retained-files = 0, format = console }"));
        var file = Assert.IsType<FileLogSettings>(logging.File);
        Assert.Equal(RollingInterval.Hour, file.Rolling);
        Assert.Equal(10L * 1024 * 1024, file.SizeLimitBytes);
        Assert.Null(file.RetainedFiles);
        Assert.Equal(LogFormat.Console, file.Format);
    }

    [Fact]
    public void The_shipped_node_config_is_valid()
    {
        var file = FindRepoFile("hocon/actorrec.conf");
        var config = ConfigLoader.Load(file, NoEnvironment, typeof(ActorRecHost).Assembly);
        Assert.Equal(5080, ServerSettings.Create(config).HttpPort);
        Assert.Equal(LogEventLevel.Information, LoggingSettings.Create(config).MinimumLevel);
    }

    private static string FindRepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "ActorRec.sln")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
