using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ActorRec.Server.Problems;

/// <summary>
/// Enforces <c>actorrec.server.max-body-bytes</c> the same way on every server (Kestrel and the in-memory test
/// server): a declared Content-Length over the limit is refused before the endpoint runs; an undeclared (chunked)
/// body is counted as it is read and fails with <see cref="BodyTooLargeException"/>, which becomes a 413.
/// </summary>
internal sealed class BodySizeLimitMiddleware
{
    private readonly RequestDelegate _next;
    private readonly long _limit;

    public BodySizeLimitMiddleware(RequestDelegate next, ServerSettings settings)
    {
        _next = next;
        _limit = settings.MaxBodyBytes;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > _limit)
        {
            await ApiProblems.BodyTooLarge(_limit).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = _limit;
        }

        var original = context.Request.Body;
        await using var limited = new LimitedReadStream(original, _limit);
        context.Request.Body = limited;
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        finally
        {
            context.Request.Body = original;
        }
    }
}

/// <summary>A request body went past the configured limit while being read.</summary>
public sealed class BodyTooLargeException : BadHttpRequestException
{
    public BodyTooLargeException(long limit)
        : base($"the request body exceeds the limit of {limit} bytes", StatusCodes.Status413PayloadTooLarge)
    {
        Limit = limit;
    }

    public long Limit { get; }
}

/// <summary>Read-only pass-through stream that throws once more than the limit has been read.</summary>
internal sealed class LimitedReadStream : Stream
{
    private readonly Stream _inner;
    private readonly long _limit;
    private long _read;

    public LimitedReadStream(Stream inner, long limit)
    {
        _inner = inner;
        _limit = limit;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(_inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(_inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        _read += read;
        if (_read > _limit)
        {
            throw new BodyTooLargeException(_limit);
        }

        return read;
    }
}
