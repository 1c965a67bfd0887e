using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Experiments;
using ActorRec.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ActorRec.Server.Api;

/// <summary>
/// Recommendation-quality endpoints beside the feed API:
/// <list type="bullet">
/// <item><c>GET /v1/experiments</c>: every configured experiment (name, salt, arms with shares and overrides).</item>
/// <item><c>GET /v1/experiments/{name}[?userId=u]</c>: per-arm metrics from the event stream (impressions, watch
/// ratio, completion rate, likes per impression, feed intra-list diversity, each with a 95% interval) and, with
/// <c>userId</c>, that user's arm; 404 problem+json for an unknown name.</item>
/// <item><c>GET /v1/debug/quality</c>: the ranking model's counters, the held-out calibration of its completion
/// head, and the mean intra-list diversity of the feeds served.</item>
/// </list>
/// </summary>
public static class QualityApi
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapQualityApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/v1/experiments", ListExperiments);
        endpoints.MapGet("/v1/experiments/{name}", GetExperiment);
        endpoints.MapGet("/v1/debug/quality", GetQuality);
        return endpoints;
    }

    private static IResult ListExperiments(FeedEngine engine) =>
        Results.Json(QualityReports.List(engine.Pipeline.Quality.Experiments), QualityJsonContext.Default.ExperimentListDto);

    private static IResult GetExperiment(string name, HttpRequest request, FeedEngine engine)
    {
        string? userId = null;
        if (request.Query.TryGetValue("userId", out var userText))
        {
            userId = userText.ToString();
            if (userId.Length == 0 || userId.Length > engine.Settings.Limits.MaxIdLength)
            {
                return FeedApiResults.Invalid("userId", $"must have 1 to {engine.Settings.Limits.MaxIdLength} characters");
            }
        }

        var report = QualityReports.Report(engine.Pipeline.Quality.Experiments, name, userId);
        return report is null
            ? ApiProblems.NotFound("name", $"no experiment named \"{name}\"")
            : Results.Json(report, QualityJsonContext.Default.ExperimentReportDto);
    }

    private static IResult GetQuality(FeedEngine engine) =>
        Results.Json(QualityReports.Quality(engine.Pipeline.Quality), QualityJsonContext.Default.QualityReportDto);
}
