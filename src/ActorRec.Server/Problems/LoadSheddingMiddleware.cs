using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ActorRec.Server.Problems;

/// <summary>
/// The node's in-flight bound (<c>actorrec.http.max-in-flight</c>): counts the requests being served; one that
/// would exceed the bound is answered at once with 503, <c>Retry-After</c> and a problem+json body
/// (<c>urn:actorrec:problem:overloaded</c>), so an overloaded node answers fast instead of growing a queue whose
/// every entry will miss its deadline. Health and info endpoints are never shed (an orchestrator must still see the
/// node). The count is one interlocked integer: no lock, no allocation on the admitted path.
/// </summary>
internal sealed class LoadSheddingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly InFlightGauge _gauge;
    private readonly int _max;
    private readonly string _retryAfter;

    public LoadSheddingMiddleware(RequestDelegate next, ServerSettings settings, InFlightGauge gauge)
    {
        _next = next;
        _gauge = gauge;
        _max = settings.MaxInFlight;
        _retryAfter = ((long)Math.Ceiling(settings.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
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
            await ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "overloaded", "The node is overloaded",
                $"more than {_max} requests are in flight on this node; retry after {_retryAfter} s", null).ExecuteAsync(context).ConfigureAwait(false);
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
