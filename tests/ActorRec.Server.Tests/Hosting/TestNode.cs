using ActorRec.Server.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Server.Tests.Hosting;

/// <summary>A started host on the in-memory test server or on real Kestrel (loopback, port 0), with captured logs.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private readonly DirectoryInfo _dataDir;
    private readonly Serilog.Core.Logger _logger;

    private TestNode(WebApplication app, HttpClient client, DirectoryInfo dataDir, Serilog.Core.Logger logger, StringWriter log)
    {
        App = app;
        Client = client;
        _dataDir = dataDir;
        _logger = logger;
        Log = log;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public StringWriter Log { get; }

    public static async Task<TestNode> StartAsync(
        Action<IServiceCollection>? services = null,
        Action<IEndpointRouteBuilder>? endpoints = null,
        bool kestrel = false,
        long maxBodyBytes = 1024,
        Func<ServerSettings, ServerSettings>? configure = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("actorrec-host-");
        var settings = ServerSettings.Create("test-node", "127.0.0.1", 0, Path.Combine(dataDir.FullName, "data"), maxBodyBytes, TimeSpan.FromSeconds(30));
        settings = configure?.Invoke(settings) ?? settings;
        var log = new StringWriter();
        var logger = SerilogSetup.CreateLogger(LoggingSettings.Default with { Async = false }, log);
        var app = ActorRecHost.Build(settings, logger, services, endpoints, kestrel ? null : builder => builder.WebHost.UseTestServer());
        await app.StartAsync();

        HttpClient client;
        if (kestrel)
        {
            client = new HttpClient { BaseAddress = Assert.Single(ActorRecHost.GetListeningUris(app)) };
        }
        else
        {
            client = app.GetTestClient();
        }

        return new TestNode(app, client, dataDir, logger, log);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await _logger.DisposeAsync();
        _dataDir.Delete(recursive: true);
    }
}
