using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ActorRec.Server.Problems;

/// <summary>Reading request bodies so that every mistake becomes an <see cref="ApiProblemException"/> naming the field.</summary>
public static class ApiRequests
{
    private static readonly JsonSerializerOptions WebOptions = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Deserializes the JSON body. A missing body, malformed JSON or a value of the wrong type throws
    /// <see cref="ApiProblemException"/> (400) naming the JSON path; a body over the limit throws
    /// <see cref="BodyTooLargeException"/> (413).
    /// </summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, JsonSerializerOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        T? value;
        try
        {
            value = await JsonSerializer.DeserializeAsync<T>(request.Body, options ?? WebOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException error)
        {
            var field = ApiProblems.FieldFromJsonPath(error.Path) ?? "body";
            var message = error.Message;
            var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            throw new ApiProblemException(field, cut > 0 ? message[..cut] : message);
        }

        return value ?? throw new ApiProblemException("body", "a JSON object is required, got null or an empty body");
    }
}
