using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorRec.Server.Problems;

/// <summary>
/// Gives error responses that carry no body (no route matched, wrong method, a body the framework refused while
/// binding) the same problem+json shape as every other error.
/// </summary>
internal static class StatusCodeProblems
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var problem = status switch
        {
            StatusCodes.Status413PayloadTooLarge => ApiProblems.CreateDetails(status, "body-too-large",
                "The request body is too large",
                http.RequestServices.GetService(typeof(ServerSettings)) is ServerSettings settings
                    ? $"the body exceeds the limit of {settings.MaxBodyBytes} bytes"
                    : "the body exceeds the limit", "body"),
            StatusCodes.Status404NotFound => ApiProblems.CreateDetails(status, "not-found", "Not found",
                $"no resource at {http.Request.Method} {http.Request.Path}", null),
            StatusCodes.Status405MethodNotAllowed => ApiProblems.CreateDetails(status, "method-not-allowed", "Method not allowed",
                $"{http.Request.Path} does not accept {http.Request.Method}", null),
            _ => ApiProblems.CreateDetails(status, "http-" + status, ReasonPhrases.GetReasonPhrase(status),
                $"{http.Request.Method} {http.Request.Path} failed with status {status}", null),
        };
        return TypedResults.Problem(problem).ExecuteAsync(http);
    }
}
