using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ActorRec.Server.Health;

/// <summary>
/// <c>GET /healthz</c>: liveness, 200 whenever the process can answer. <c>GET /readyz</c>: readiness, 200 only in
/// <see cref="ReadinessPhase.Ready"/>, else 503; both bodies say the phase so an operator sees why.
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        endpoints.MapGet("/healthz", (ServerSettings settings, ReadinessState readiness) =>
            Results.Json(new HealthResponse("alive", settings.NodeName, PhaseName(readiness.Phase))));

        endpoints.MapGet("/readyz", (ServerSettings settings, ReadinessState readiness) =>
        {
            var phase = readiness.Phase;
            var body = new HealthResponse(phase == ReadinessPhase.Ready ? "ready" : "not-ready", settings.NodeName, PhaseName(phase));
            return Results.Json(body, statusCode: phase == ReadinessPhase.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

        return endpoints;
    }

    private static string PhaseName(ReadinessPhase phase) => phase switch
    {
        ReadinessPhase.Starting => "starting",
        ReadinessPhase.Ready => "ready",
        ReadinessPhase.Stopping => "stopping",
        _ => "failed",
    };
}

/// <summary>Body of the health endpoints.</summary>
public sealed record HealthResponse(string Status, string Node, string Phase);
