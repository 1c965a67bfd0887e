using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ActorRec.Server.Problems;

/// <summary>
/// The one way endpoints report client mistakes: RFC 7807 problem details with <c>application/problem+json</c>,
/// a stable <c>type</c> per kind of mistake, and a <c>field</c> extension naming what is wrong.
/// </summary>
public static class ApiProblems
{
    /// <summary>Base of the <c>type</c> URIs (a URN: nothing to fetch); the last segment names the kind of problem.</summary>
    public const string TypeBase = "urn:actorrec:problem:";

    /// <summary>A field has a wrong value or type: 400.</summary>
    public static IResult InvalidField(string field, string detail) =>
        Create(StatusCodes.Status400BadRequest, "invalid-field", "A field of the request is invalid", detail, field);

    /// <summary>The body is not JSON, or not the expected shape: 400.</summary>
    public static IResult MalformedBody(string? field, string detail) =>
        Create(StatusCodes.Status400BadRequest, "malformed-body", "The request body could not be read", detail, field ?? "body");

    /// <summary>The body is larger than <c>actorrec.server.max-body-bytes</c>: 413.</summary>
    public static IResult BodyTooLarge(long limit) =>
        Create(StatusCodes.Status413PayloadTooLarge, "body-too-large", "The request body is too large",
            $"the body exceeds the limit of {limit} bytes", "body");

    /// <summary>A referenced entity does not exist: 404.</summary>
    public static IResult NotFound(string field, string detail) =>
        Create(StatusCodes.Status404NotFound, "not-found", "Not found", detail, field);

    /// <summary>Builds a problem result of any status; <paramref name="kind"/> becomes the last segment of the type URI.</summary>
    public static IResult Create(int status, string kind, string title, string detail, string? field)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        return TypedResults.Problem(CreateDetails(status, kind, title, detail, field));
    }

    /// <summary>The problem details object behind <see cref="Create"/>, for code that writes responses itself.</summary>
    public static ProblemDetails CreateDetails(int status, string kind, string title, string detail, string? field)
    {
        var problem = new ProblemDetails
        {
            Type = TypeBase + kind,
            Title = title,
            Status = status,
            Detail = detail,
        };
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }

        return problem;
    }

    /// <summary>Turns a System.Text.Json path (<c>$.events[0].type</c>) into the field name we report (<c>events[0].type</c>).</summary>
    public static string? FieldFromJsonPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..]
            : path.StartsWith('$') ? path[1..]
            : path;
    }
}
