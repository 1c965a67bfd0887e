using ActorRec.Hocon.Settings;
using ActorRec.Server.Logging;
using Serilog;
using Serilog.Events;

namespace ActorRec.Server.Tests.Logging;

public sealed class LoggingSettingsTests
{
    private static readonly Dictionary<string, string> NoOverrides = new();

    [Theory]
    [InlineData("trace", LogEventLevel.Verbose)]
    [InlineData("Debug", LogEventLevel.Debug)]
    [InlineData("info", LogEventLevel.Information)]
    [InlineData("warning", LogEventLevel.Warning)]
    [InlineData("error", LogEventLevel.Error)]
    [InlineData("critical", LogEventLevel.Fatal)]
    public void Level_names_are_parsed(string name, LogEventLevel expected)
    {
        var settings = LoggingSettings.Create(name, NoOverrides, "console", null, false, 10);
        Assert.Equal(expected, settings.MinimumLevel);
    }

    [Fact]
    public void Unknown_level_names_its_key()
    {
        var error = Assert.Throws<SettingsException>(() => LoggingSettings.Create("loud", NoOverrides, "console", null, false, 10));
        Assert.Equal("actorrec.logging.level", error.Path);
        Assert.Contains("'loud'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_override_level_names_the_source()
    {
        var overrides = new Dictionary<string, string> { ["Microsoft.AspNetCore"] = "noisy" };
        var error = Assert.Throws<SettingsException>(() => LoggingSettings.Create("info", overrides, "console", null, false, 10));
        Assert.Equal("actorrec.logging.overrides.\"Microsoft.AspNetCore\"", error.Path);
    }

    [Fact]
    public void Unknown_format_names_its_key()
    {
        var error = Assert.Throws<SettingsException>(() => LoggingSettings.Create("info", NoOverrides, "xml", null, false, 10));
        Assert.Equal("actorrec.logging.format", error.Path);
    }

    [Fact]
    public void Non_positive_async_buffer_names_its_key()
    {
        var error = Assert.Throws<SettingsException>(() => LoggingSettings.Create("info", NoOverrides, "json", null, true, 0));
        Assert.Equal("actorrec.logging.async-buffer-size", error.Path);
    }

    [Theory]
    [InlineData("", "day", 0L, 0, "json", "actorrec.logging.file.path")]
    [InlineData("a.log", "fortnight", 0L, 0, "json", "actorrec.logging.file.rolling")]
    [InlineData("a.log", "day", -1L, 0, "json", "actorrec.logging.file.size-limit")]
    [InlineData("a.log", "day", 0L, -2, "json", "actorrec.logging.file.retained-files")]
    [InlineData("a.log", "day", 0L, 0, "yaml", "actorrec.logging.file.format")]
    public void Bad_file_settings_name_their_key(string path, string rolling, long size, int retained, string format, string key)
    {
        var error = Assert.Throws<SettingsException>(() => FileLogSettings.Create(path, rolling, size, retained, format));
        Assert.Equal(key, error.Path);
    }

    [Fact]
    public void Zero_file_limits_mean_no_limit()
    {
        var file = FileLogSettings.Create("a.log", "hour", 0, 0, "console");
        Assert.Null(file.SizeLimitBytes);
        Assert.Null(file.RetainedFiles);
        Assert.Equal(RollingInterval.Hour, file.Rolling);
        Assert.Equal(LogFormat.Console, file.Format);
    }
}
