using ActorRec.Recommender.Domain;
using ActorRec.Server.Problems;
using Microsoft.AspNetCore.Http;

namespace ActorRec.Server.Api;

/// <summary>Problem responses of the feed API: the first bad field in <c>field</c>, every bad field in <c>errors</c>.</summary>
internal static class FeedApiResults
{
    public static IResult Invalid(IReadOnlyList<ValidationError> errors, int status = StatusCodes.Status400BadRequest)
    {
        var first = errors[0];
        var kind = status == StatusCodes.Status413PayloadTooLarge ? "body-too-large"
            : first.Field == "$" ? "malformed-body"
            : "invalid-field";
        var title = status == StatusCodes.Status413PayloadTooLarge ? "The request body is too large"
            : first.Field == "$" ? "The request body could not be read"
            : "A field of the request is invalid";
        var details = ApiProblems.CreateDetails(status, kind, title, first.ToString(), first.Field == "$" ? "body" : first.Field);
        var list = new Dictionary<string, string>[errors.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["field"] = errors[i].Field == "$" ? "body" : errors[i].Field,
                ["message"] = errors[i].Message,
            };
        }

        details.Extensions["errors"] = list;
        return TypedResults.Problem(details);
    }

    public static IResult Invalid(string field, string message) => Invalid([new ValidationError(field, message)]);

    /// <summary>503 problem; with <c>Retry-After</c> (whole seconds, at least 1) when the cause says when to retry.</summary>
    public static IResult Unavailable(string detail, TimeSpan? retryAfter = null)
    {
        var problem = ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "unavailable", "The node could not answer in time", detail, null);
        return retryAfter is { } after ? new WithRetryAfter(problem, (long)Math.Max(1, Math.Ceiling(after.TotalSeconds))) : problem;
    }

    private sealed class WithRetryAfter(IResult inner, long seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
