using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Server.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorRec.Server.Api;

/// <summary>
/// The public HTTP contract of the feed engine (issue 5; other tools depend on it):
/// <list type="bullet">
/// <item><c>PUT /v1/videos/{videoId}</c>: 201 with the video's state when new, 200 when updated.</item>
/// <item><c>POST /v1/events</c>: 202 <c>{"accepted":N}</c> once every event is durable (re-sent ids are accepted and
/// not applied twice). A batch naming an unregistered video is rejected whole with 400, each such event named as
/// <c>events[i].videoId</c>, so nothing of it is applied.</item>
/// <item><c>GET /v1/feed/{userId}?count=10&amp;region=US&amp;explain=false</c>, <c>GET /v1/users/{userId}</c>,
/// <c>GET /v1/videos/{videoId}</c> (404 when unknown), <c>GET /v1/trending?region=US</c>.</item>
/// </list>
/// Every client mistake is a 400 (413 for bodies over the limit) <c>application/problem+json</c> naming the field;
/// an entity that does not answer in time gives 503, and so does a node over its in-flight bound (with Retry-After).
/// Feed responses carry <see cref="UserEventCountHeader"/>.
/// </summary>
public static class FeedApi
{
    /// <summary>
    /// Header of every feed response: the user's <c>eventCount</c> (as in <c>GET /v1/users/{userId}</c>) when the
    /// feed's candidates were retrieved. A feed reflects an accepted event when this is at least the count after it.
    /// </summary>
    public const string UserEventCountHeader = "X-User-Event-Count";

    /// <summary>
    /// Registers the feed engine (opened from <paramref name="options"/>, disposed with the host), its start-up task and
    /// its model checkpoints in the data dir (<c>actorrec.feed.checkpoint</c>).
    /// </summary>
    public static IServiceCollection AddFeedApi(this IServiceCollection services, FeedNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(sp => FeedEngine.Open(options.Feed, options.Entities, options.Persistence, sp.GetRequiredService<ILoggerFactory>()));
        services.AddModelCheckpoints(options);
        services.AddSingleton<IStartupTask>(sp => new FeedStartupTask(sp.GetRequiredService<FeedEngine>(), options, sp.GetService<Recommender.Checkpoints.ModelCheckpointer>()));
        return services;
    }

    /// <summary>Maps the <c>/v1</c> routes.</summary>
    public static IEndpointRouteBuilder MapFeedApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPut("/v1/videos/{videoId}", PutVideo);
        endpoints.MapPost("/v1/events", PostEvents);
        endpoints.MapGet("/v1/feed/{userId}", GetFeed);
        endpoints.MapGet("/v1/users/{userId}", GetUser);
        endpoints.MapGet("/v1/videos/{videoId}", GetVideo);
        endpoints.MapGet("/v1/trending", GetTrending);
        endpoints.MapQualityApi();
        return endpoints;
    }

    private static async Task<IResult> PutVideo(string videoId, HttpRequest request, FeedEngine engine, CancellationToken cancellationToken)
    {
        var limits = engine.Settings.Limits;
        if (VideoUploadReader.CheckVideoId(videoId, limits) is { } bad)
        {
            return FeedApiResults.Invalid([bad]);
        }

        var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (body.Length > limits.MaxVideoBodyBytes)
        {
            return FeedApiResults.Invalid([new ValidationError("$", $"body is {body.Length} bytes; at most {limits.MaxVideoBodyBytes} are accepted")], StatusCodes.Status413PayloadTooLarge);
        }

        var upload = VideoUploadReader.Read(body, engine.Settings);
        if (!upload.IsValid)
        {
            return FeedApiResults.Invalid(upload.Errors);
        }

        return await Guard(async () =>
        {
            var result = await engine.PutVideoAsync(videoId, upload.Value!, cancellationToken).ConfigureAwait(false);
            return Results.Json(result.State, FeedJsonContext.Default.VideoStateDto,
                statusCode: result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> PostEvents(HttpRequest request, FeedEngine engine, CancellationToken cancellationToken)
    {
        var limits = engine.Settings.Limits;
        var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (body.Length > limits.MaxEventBodyBytes)
        {
            return FeedApiResults.Invalid([new ValidationError("$", $"body is {body.Length} bytes; at most {limits.MaxEventBodyBytes} are accepted")], StatusCodes.Status413PayloadTooLarge);
        }

        var batch = EventBatchReader.Read(body, limits, engine.System.TimeProvider.GetUtcNow());
        if (!batch.IsValid)
        {
            return FeedApiResults.Invalid(batch.Errors);
        }

        return await Guard(async () =>
        {
            var result = await engine.IngestAsync(batch.Value!, cancellationToken).ConfigureAwait(false);
            return result.IsValid
                ? Results.Json(new AcceptedDto(result.Accepted), FeedJsonContext.Default.AcceptedDto, statusCode: StatusCodes.Status202Accepted)
                : FeedApiResults.Invalid(result.Errors);
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> GetFeed(string userId, HttpRequest request, FeedEngine engine, CancellationToken cancellationToken)
    {
        var limits = engine.Settings.Limits;
        if (CheckId("userId", userId, limits) is { } badId)
        {
            return badId;
        }

        var query = request.Query;
        var count = engine.Settings.Rerank.DefaultCount;
        if (query.TryGetValue("count", out var countText))
        {
            if (!int.TryParse(countText.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count)
                || count < 1 || count > engine.Settings.Rerank.MaxCount)
            {
                return FeedApiResults.Invalid("count", $"must be an integer from 1 to {engine.Settings.Rerank.MaxCount} (got \"{countText}\")");
            }
        }

        string? region = null;
        if (query.TryGetValue("region", out var regionText))
        {
            region = regionText.ToString();
            if (region.Length == 0 || region.Length > limits.MaxRegionLength)
            {
                return FeedApiResults.Invalid("region", $"must have 1 to {limits.MaxRegionLength} characters");
            }
        }

        var explain = false;
        if (query.TryGetValue("explain", out var explainText) && !bool.TryParse(explainText.ToString(), out explain))
        {
            return FeedApiResults.Invalid("explain", $"must be true or false (got \"{explainText}\")");
        }

        // The hot route: Guard's try/catch inline, so a feed costs no closure, delegate or second state machine.
        try
        {
            var feed = await engine.GetVersionedFeedAsync(userId, count, region, explain, cancellationToken).ConfigureAwait(false);
            request.HttpContext.Response.Headers[UserEventCountHeader] = feed.StateVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(feed.Feed, FeedJsonContext.Default.FeedResponseDto);
        }
        catch (EntityUnavailableException ex)
        {
            return FeedApiResults.Unavailable(ex.Message, ex.RetryAfter);
        }
    }

    private static async Task<IResult> GetUser(string userId, FeedEngine engine, CancellationToken cancellationToken)
    {
        if (CheckId("userId", userId, engine.Settings.Limits) is { } bad)
        {
            return bad;
        }

        return await Guard(async () =>
        {
            var user = await engine.GetUserAsync(userId, cancellationToken).ConfigureAwait(false);
            return user is null
                ? Problems.ApiProblems.NotFound("userId", $"user \"{userId}\" has no events yet")
                : Results.Json(user, FeedJsonContext.Default.UserStateDto);
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> GetVideo(string videoId, FeedEngine engine, CancellationToken cancellationToken)
    {
        if (CheckId("videoId", videoId, engine.Settings.Limits) is { } bad)
        {
            return bad;
        }

        return await Guard(async () =>
        {
            var video = await engine.GetVideoAsync(videoId, cancellationToken).ConfigureAwait(false);
            return video is null
                ? Problems.ApiProblems.NotFound("videoId", $"video \"{videoId}\" is not registered")
                : Results.Json(video, FeedJsonContext.Default.VideoStateDto);
        }).ConfigureAwait(false);
    }

    private static IResult GetTrending(HttpRequest request, FeedEngine engine)
    {
        var limits = engine.Settings.Limits;
        var region = request.Query["region"].ToString();
        if (region.Length == 0 || region.Length > limits.MaxRegionLength)
        {
            return FeedApiResults.Invalid("region", $"is required, with 1 to {limits.MaxRegionLength} characters");
        }

        // Served from the sketches of the event stream (videos, hashtags and sounds over the sliding window); before
        // any event of the region, from the catalog's decayed velocity, labelled source = catalog-velocity.
        return Results.Json(engine.Pipeline.Trending(region), FeedJsonContext.Default.TrendingDto);
    }

    private static IResult? CheckId(string field, string id, IngestLimits limits) =>
        id.Length == 0 || id.Length > limits.MaxIdLength
            ? FeedApiResults.Invalid(field, $"must have 1 to {limits.MaxIdLength} characters (got {id.Length})")
            : null;

    private static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (EntityUnavailableException ex)
        {
            return FeedApiResults.Unavailable(ex.Message, ex.RetryAfter);
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(request.ContentLength is > 0 and < 1 << 20 ? (int)request.ContentLength.Value : 4096);
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
