using Microsoft.AspNetCore.Http;

namespace ActorRec.Server.Problems;

/// <summary>
/// A client mistake found below the endpoint (a validator, a domain check). The host turns it into an RFC 7807
/// <c>application/problem+json</c> response with <see cref="Field"/> named, never into a 500.
/// </summary>
public sealed class ApiProblemException : Exception
{
    public ApiProblemException(string field, string detail, int status = StatusCodes.Status400BadRequest)
        : base($"{field}: {detail}")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        ArgumentException.ThrowIfNullOrWhiteSpace(detail);
        if (status is < 400 or > 499)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "a client problem has a 4xx status");
        }

        Field = field;
        Detail = detail;
        Status = status;
    }

    /// <summary>The offending field as a JSON path without the leading <c>$.</c> (for example <c>events[0].watchMs</c>), or <c>body</c>.</summary>
    public string Field { get; }

    public string Detail { get; }

    public int Status { get; }
}
