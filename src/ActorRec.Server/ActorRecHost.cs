using ActorRec.Hocon.Settings;
using ActorRec.Server.Health;
using ActorRec.Server.Logging;
using ActorRec.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRec.Server;

/// <summary>
/// Builds the node's ASP.NET Core host: Kestrel on <see cref="ServerSettings.HttpHost"/>:<see cref="ServerSettings.HttpPort"/>,
/// Serilog behind Microsoft.Extensions.Logging, <c>/healthz</c> and <c>/readyz</c>, problem+json for every error,
/// the body size limit, and graceful shutdown on SIGTERM (readiness is withdrawn first, then in-flight requests get
/// up to <see cref="ServerSettings.ShutdownTimeout"/> to finish).
/// </summary>
/// <remarks>
/// Feature modules plug in through the two callbacks: <c>configureServices</c> registers services and
/// <see cref="IStartupTask"/>s, <c>mapEndpoints</c> maps their routes. Tests pass a builder callback that swaps
/// Kestrel for the in-memory test server.
/// </remarks>
public static class ActorRecHost
{
    /// <summary>Builds (does not start) the host.</summary>
    /// <param name="settings">Validated server settings.</param>
    /// <param name="logger">The process's Serilog logger; the host does not dispose it.</param>
    /// <param name="configureServices">Registers module services and start-up tasks; may be null.</param>
    /// <param name="mapEndpoints">Maps module endpoints; may be null.</param>
    /// <param name="configureBuilder">Last say over the builder (tests use it for the test server); may be null.</param>
    public static WebApplication Build(
        ServerSettings settings,
        Serilog.ILogger logger,
        Action<IServiceCollection>? configureServices = null,
        Action<IEndpointRouteBuilder>? mapEndpoints = null,
        Action<WebApplicationBuilder>? configureBuilder = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);

        EnsureDataDir(settings);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "ActorRec",
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });

        builder.Logging.UseSerilog(logger, dispose: false);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = settings.MaxBodyBytes;
            kestrel.Listen(settings.ListenAddress, settings.HttpPort);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = settings.ShutdownTimeout);
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<ReadinessState>();
        builder.Services.AddSingleton<InFlightGauge>();
        builder.Services.AddHostedService<StartupTaskRunner>();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        configureServices?.Invoke(builder.Services);
        configureBuilder?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages(StatusCodeProblems.WriteAsync);
        app.UseMiddleware<LoadSheddingMiddleware>();
        app.UseMiddleware<BodySizeLimitMiddleware>();

        app.MapGet("/", (ServerSettings s) => Results.Json(new NodeInfo("ActorRec", s.NodeName, Version)));
        app.MapHealthEndpoints();
        mapEndpoints?.Invoke(app);

        var hostLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ActorRec.Server.Host");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in GetListeningUris(app))
            {
                ServerLog.Listening(hostLogger, settings.NodeName, url.ToString().TrimEnd('/'), Path.GetFullPath(settings.DataDir));
            }
        });

        return app;
    }

    /// <summary>The product version (informational version of this assembly, without build metadata).</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>The addresses the server actually listens on (with the real port when 0 was asked); empty before start.</summary>
    public static IReadOnlyList<Uri> GetListeningUris(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null)
        {
            return [];
        }

        var uris = new List<Uri>(addresses.Count);
        foreach (var address in addresses)
        {
            uris.Add(new Uri(address));
        }

        return uris;
    }

    private static void EnsureDataDir(ServerSettings settings)
    {
        try
        {
            Directory.CreateDirectory(settings.DataDir);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException("actorrec.server.data-dir", $"cannot create directory '{settings.DataDir}': {error.Message}");
        }
    }

    private static string ReadVersion()
    {
        var informational = typeof(ActorRecHost).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>()
            .FirstOrDefault()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? informational[..plus] : informational;
    }
}

/// <summary>Body of <c>GET /</c>.</summary>
public sealed record NodeInfo(string Name, string Node, string Version);
