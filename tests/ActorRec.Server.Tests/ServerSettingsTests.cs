using ActorRec.Hocon.Settings;

namespace ActorRec.Server.Tests;

public sealed class ServerSettingsTests
{
    [Fact]
    public void Defaults_are_valid_and_listen_on_loopback()
    {
        var settings = ServerSettings.Default;
        Assert.Equal(5080, settings.HttpPort);
        Assert.Equal(System.Net.IPAddress.Loopback, settings.ListenAddress);
        Assert.Equal(settings, ServerSettings.Create(settings.NodeName, settings.HttpHost, settings.HttpPort,
            settings.DataDir, settings.MaxBodyBytes, settings.ShutdownTimeout));
    }

    [Theory]
    [InlineData("", "127.0.0.1", 80, "d", 1L, 1, "actorrec.node-name")]
    [InlineData("has space", "127.0.0.1", 80, "d", 1L, 1, "actorrec.node-name")]
    [InlineData("n", "example.org", 80, "d", 1L, 1, "actorrec.http.host")]
    [InlineData("n", "127.0.0.1", 70000, "d", 1L, 1, "actorrec.http.port")]
    [InlineData("n", "127.0.0.1", -1, "d", 1L, 1, "actorrec.http.port")]
    [InlineData("n", "127.0.0.1", 80, " ", 1L, 1, "actorrec.data-dir")]
    [InlineData("n", "127.0.0.1", 80, "d", 0L, 1, "actorrec.http.max-body-bytes")]
    [InlineData("n", "127.0.0.1", 80, "d", 1L, 0, "actorrec.shutdown-timeout")]
    public void Bad_values_name_their_key(string node, string host, int port, string dataDir, long maxBody, int shutdownSeconds, string key)
    {
        var error = Assert.Throws<SettingsException>(() =>
            ServerSettings.Create(node, host, port, dataDir, maxBody, TimeSpan.FromSeconds(shutdownSeconds)));
        Assert.Equal(key, error.Path);
        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Localhost_and_any_address_are_accepted()
    {
        Assert.Equal(System.Net.IPAddress.Loopback, ServerSettings.Default.WithPort(0).ListenAddress);
        var any = ServerSettings.Create("n", "0.0.0.0", 0, "d", 10, TimeSpan.FromSeconds(1));
        Assert.Equal(System.Net.IPAddress.Any, any.ListenAddress);
        var local = ServerSettings.Create("n", "localhost", 0, "d", 10, TimeSpan.FromSeconds(1));
        Assert.Equal(System.Net.IPAddress.Loopback, local.ListenAddress);
    }

    [Fact]
    public void Option_overrides_are_validated_too()
    {
        Assert.Equal(6000, ServerSettings.Default.WithPort(6000).HttpPort);
        Assert.Equal("x", ServerSettings.Default.WithDataDir("x").DataDir);
        Assert.Equal("actorrec.http.port", Assert.Throws<SettingsException>(() => ServerSettings.Default.WithPort(99999)).Path);
    }
}
