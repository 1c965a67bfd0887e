using System.Text.Json;
using ActorRec.Server.Logging;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorRec.Server.Problems;

/// <summary>
/// Maps exceptions to problem+json. Client mistakes (<see cref="ApiProblemException"/>, malformed JSON, bodies over
/// the limit, Kestrel's <see cref="BadHttpRequestException"/>s) keep their 4xx status and name the field; anything
/// else is a 500 whose details stay in the log, not in the response.
/// </summary>
internal sealed class ProblemExceptionHandler : IExceptionHandler
{
    private readonly ILogger<ProblemExceptionHandler> _logger;

    public ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger)
    {
        _logger = logger;
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = Classify(exception);
        if (problem.Status >= 500)
        {
            ServerLog.UnhandledError(_logger, httpContext.Request.Method, httpContext.Request.Path, exception);
        }
        else
        {
            ServerLog.ClientError(_logger, httpContext.Request.Method, httpContext.Request.Path, problem.Status ?? 400,
                problem.Title ?? string.Empty, problem.Extensions.TryGetValue("field", out var field) ? field as string : null);
        }

        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        await TypedResults.Problem(problem).ExecuteAsync(httpContext).ConfigureAwait(false);
        return true;
    }

    internal static Microsoft.AspNetCore.Mvc.ProblemDetails Classify(Exception exception)
    {
        switch (exception)
        {
            case ApiProblemException api:
                return ApiProblems.CreateDetails(api.Status, KindOf(api.Status), TitleOf(api.Status), api.Detail, api.Field);
            case BodyTooLargeException tooLarge:
                return BodyTooLarge(tooLarge.Limit);
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                return ApiProblems.CreateDetails(StatusCodes.Status413PayloadTooLarge, "body-too-large",
                    "The request body is too large", exception.Message, "body");
            case BadHttpRequestException bad when FindJsonException(bad) is { } json:
                return Malformed(json);
            case BadHttpRequestException bad:
                return ApiProblems.CreateDetails(bad.StatusCode, "bad-request", "The request is invalid", bad.Message, null);
            case JsonException json:
                return Malformed(json);
            default:
                if (exception.InnerException is BodyTooLargeException inner)
                {
                    return BodyTooLarge(inner.Limit);
                }

                return ApiProblems.CreateDetails(StatusCodes.Status500InternalServerError, "internal",
                    "Internal server error", "the server failed to handle the request; see its log", null);
        }
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails BodyTooLarge(long limit) =>
        ApiProblems.CreateDetails(StatusCodes.Status413PayloadTooLarge, "body-too-large", "The request body is too large",
            $"the body exceeds the limit of {limit} bytes", "body");

    private static Microsoft.AspNetCore.Mvc.ProblemDetails Malformed(JsonException json)
    {
        var field = ApiProblems.FieldFromJsonPath(json.Path) ?? "body";
        var detail = json.LineNumber is { } line
            ? $"invalid JSON at line {line + 1}, position {json.BytePositionInLine + 1}: {FirstSentence(json.Message)}"
            : FirstSentence(json.Message);
        return ApiProblems.CreateDetails(StatusCodes.Status400BadRequest, "malformed-body", "The request body could not be read", detail, field);
    }

    private static JsonException? FindJsonException(Exception exception)
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is JsonException json)
            {
                return json;
            }
        }

        return null;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static string KindOf(int status) => status switch
    {
        StatusCodes.Status404NotFound => "not-found",
        StatusCodes.Status409Conflict => "conflict",
        StatusCodes.Status413PayloadTooLarge => "body-too-large",
        _ => "invalid-field",
    };

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status409Conflict => "Conflict",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large",
        _ => "A field of the request is invalid",
    };
}
