using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ActorRec.Server.Problems;

/// <summary>
/// The node's in-flight bound (<c>actorrec.http.max-in-flight</c>): counts the requests being served; one that
/// would exceed the bound is answered at once with 503, <c>Retry-After</c> and a problem+json body
/// (<c>urn:actorrec:problem:overloaded</c>), so an overloaded node answers fast instead of growing a queue whose
/// every entry will miss its deadline. Health and info endpoints are never shed (an orchestrator must still see the
/// node). The count is one interlocked integer: no lock, no allocation on the admitted path.
/// <para>
/// The 503 is the node's answer exactly when it has the least CPU to spare (an overloaded node sheds hundreds per
/// second, more than it serves), so its body is written from bytes made once: the same problem+json the problem
/// details service writes (type, title, status, detail, traceId), without a <c>ProblemDetails</c>, its extension
/// dictionary and a JSON serializer run per request (~1 KB of garbage each).
/// </para>
/// </summary>
internal sealed class LoadSheddingMiddleware
{
    private const string ProblemContentType = "application/problem+json";
    private readonly RequestDelegate _next;
    private readonly InFlightGauge _gauge;
    private readonly int _max;
    private readonly string _retryAfter;
    private readonly byte[] _overloadedPrefix;

    public LoadSheddingMiddleware(RequestDelegate next, ServerSettings settings, InFlightGauge gauge)
    {
        _next = next;
        _gauge = gauge;
        _max = settings.MaxInFlight;
        _retryAfter = ((long)Math.Ceiling(settings.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        _overloadedPrefix = OverloadedPrefix(_max, _retryAfter);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (_max == 0 || IsExempt(context.Request.Path))
        {
            await _next(context).ConfigureAwait(false);
            return;
        }

        if (!_gauge.TryEnter(_max))
        {
            context.Response.Headers.RetryAfter = _retryAfter;
            await WriteOverloadedAsync(context).ConfigureAwait(false);
            return;
        }

        try
        {
            await _next(context).ConfigureAwait(false);
        }
        finally
        {
            _gauge.Exit();
        }
    }

    /// <summary>
    /// The body of <see cref="ApiProblems.Create"/> for the overloaded problem up to the opening quote of the
    /// <c>traceId</c> value, which is the one part that differs per request.
    /// </summary>
    internal static byte[] OverloadedPrefix(int max, string retryAfter)
    {
        var details = ApiProblems.CreateDetails(StatusCodes.Status503ServiceUnavailable, "overloaded", "The node is overloaded",
            $"more than {max} requests are in flight on this node; retry after {retryAfter} s", null);
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", details.Type);
            json.WriteString("title", details.Title);
            json.WriteNumber("status", StatusCodes.Status503ServiceUnavailable);
            json.WriteString("detail", details.Detail);
            json.WritePropertyName("traceId");
        }

        buffer.Write("\""u8);
        return buffer.ToArray();
    }

    /// <summary>True when <paramref name="id"/> can stand in a JSON string as it is (trace ids are hex, dashes, colons).</summary>
    internal static bool IsPlainJsonText(string id)
    {
        foreach (var c in id)
        {
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\')
            {
                return false;
            }
        }

        return true;
    }

    private Task WriteOverloadedAsync(HttpContext context)
    {
        // The trace id the problem details service would add: the request's activity when there is one.
        var traceId = System.Diagnostics.Activity.Current?.Id ?? context.TraceIdentifier;
        if (!IsPlainJsonText(traceId))
        {
            return ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "overloaded", "The node is overloaded",
                $"more than {_max} requests are in flight on this node; retry after {_retryAfter} s", null).ExecuteAsync(context);
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.ContentType = ProblemContentType;
        var length = _overloadedPrefix.Length + traceId.Length + 2;
        response.ContentLength = length;
        var span = response.BodyWriter.GetSpan(length);
        _overloadedPrefix.CopyTo(span);
        var at = _overloadedPrefix.Length;
        at += System.Text.Encoding.ASCII.GetBytes(traceId, span[at..]);
        span[at++] = (byte)'"';
        span[at++] = (byte)'}';
        response.BodyWriter.Advance(at);
        return response.BodyWriter.FlushAsync().AsTask();
    }

    private static bool IsExempt(PathString path) =>
        path.Equals("/healthz", StringComparison.Ordinal) || path.Equals("/readyz", StringComparison.Ordinal) || path.Equals("/", StringComparison.Ordinal);
}

/// <summary>Requests in flight on this node and requests shed since start (a singleton of the host).</summary>
public sealed class InFlightGauge
{
    private int _inFlight;
    private long _shed;

    /// <summary>Requests being served now (exempt endpoints not counted).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Requests answered 503 because the bound was reached.</summary>
    public long Shed => Interlocked.Read(ref _shed);

    internal bool TryEnter(int max)
    {
        if (Interlocked.Increment(ref _inFlight) <= max)
        {
            return true;
        }

        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _shed);
        return false;
    }

    internal void Exit() => Interlocked.Decrement(ref _inFlight);
}
