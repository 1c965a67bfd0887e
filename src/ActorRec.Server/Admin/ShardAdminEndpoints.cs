using System.Globalization;
using ActorRec.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Server.Admin;

/// <summary>
/// The shard part of the admin API (bearer token as <c>/admin/cluster</c>; every bad input is a 400 problem+json
/// whose <c>field</c> names it: <c>type</c>, <c>shard</c>, <c>node</c>, <c>entityId</c> or <c>body</c>):
/// <list type="bullet">
/// <item><c>GET /admin/shards[?type=T]</c> → <see cref="ShardListResponse"/> (no type: every type).</item>
/// <item><c>POST /admin/shards/rebalance[?type=T]</c> → <see cref="ShardMovesResponse"/> (no type: every type).</item>
/// <item><c>POST /admin/shards/{shard}/move[?type=T]</c> with <c>{"node":"NAME"}</c> → <see cref="ShardMoveView"/>.</item>
/// <item><c>GET /admin/shards/locate/{entityId}[?type=T]</c> → <see cref="ShardLocationView"/>.</item>
/// <item><c>POST /admin/cluster/drain/{node}</c> → 202 <see cref="DrainResponse"/> once the node owns no shard (then it
/// is asked to leave); 504 when the hand-offs take longer than <see cref="ShardAdminOptions.DrainTimeout"/>.</item>
/// </list>
/// Move and locate take type "user" when none is given. A node without sharding answers 409 <c>not-clustered</c>.
/// </summary>
public static class ShardAdminEndpoints
{
    /// <summary>The type move and locate use when the query names none.</summary>
    public const string DefaultType = "user";

    public static IEndpointRouteBuilder MapShardAdmin(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var shards = endpoints.MapGroup("/admin/shards").RequireAdminToken();
        shards.MapGet("", ListAsync);
        shards.MapPost("/rebalance", RebalanceAsync);
        shards.MapPost("/{shard}/move", MoveAsync);
        shards.MapGet("/locate/{entityId}", LocateAsync);
        endpoints.MapGroup("/admin/cluster").RequireAdminToken().MapPost("/drain/{node}", DrainAsync);
        return endpoints;
    }

    private static async Task<IResult> ListAsync(HttpContext http, string? type)
    {
        if (Admin(http) is not { } admin)
        {
            return NotClustered("type");
        }

        if (!TryTypes(admin, type, out var types, out var problem))
        {
            return problem;
        }

        var rows = new List<ShardView>();
        foreach (var t in types)
        {
            rows.AddRange(await admin.GetShardsAsync(t, http.RequestAborted).ConfigureAwait(false));
        }

        return TypedResults.Ok(new ShardListResponse(rows));
    }

    private static async Task<IResult> RebalanceAsync(HttpContext http, string? type)
    {
        if (Admin(http) is not { } admin)
        {
            return NotClustered("type");
        }

        if (!TryTypes(admin, type, out var types, out var problem))
        {
            return problem;
        }

        var moves = new List<ShardMoveView>();
        foreach (var t in types)
        {
            moves.AddRange(await admin.RebalanceAsync(t, http.RequestAborted).ConfigureAwait(false));
        }

        return TypedResults.Ok(new ShardMovesResponse(moves));
    }

    private static async Task<IResult> MoveAsync(HttpContext http, string shard, string? type)
    {
        if (Admin(http) is not { } admin)
        {
            return NotClustered("shard");
        }

        if (!TryType(admin, type ?? DefaultType, out var problem))
        {
            return problem;
        }

        if (!int.TryParse(shard, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id >= admin.ShardCount)
        {
            return ApiProblems.InvalidField("shard", $"shard '{shard}' is not a shard id: expected an integer from 0 to {admin.ShardCount - 1}");
        }

        // A malformed body throws ApiProblemException, which the problem handler turns into 400 naming the field.
        var body = await ApiRequests.ReadJsonAsync<ShardMoveRequest>(http.Request, cancellationToken: http.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(body.Node))
        {
            return ApiProblems.InvalidField("node", "the body must name the target node: {\"node\":\"NAME\"}");
        }

        try
        {
            return TypedResults.Ok(await admin.MoveAsync(type ?? DefaultType, id, body.Node, http.RequestAborted).ConfigureAwait(false));
        }
        catch (ArgumentException error)
        {
            return ApiProblems.InvalidField("node", error.Message);
        }
    }

    private static async Task<IResult> LocateAsync(HttpContext http, string entityId, string? type)
    {
        if (Admin(http) is not { } admin)
        {
            return NotClustered("entityId");
        }

        if (!TryType(admin, type ?? DefaultType, out var problem))
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(entityId))
        {
            return ApiProblems.InvalidField("entityId", "the entity id must not be empty");
        }

        return TypedResults.Ok(await admin.LocateAsync(type ?? DefaultType, entityId, http.RequestAborted).ConfigureAwait(false));
    }

    private static async Task<IResult> DrainAsync(HttpContext http, string node)
    {
        if (Admin(http) is not { } admin)
        {
            return NotClustered("node");
        }

        var options = http.RequestServices.GetService<ShardAdminOptions>() ?? ShardAdminOptions.Default;
        var time = http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        using var timeout = new CancellationTokenSource(options.DrainTimeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, timeout.Token);
        try
        {
            await admin.DrainAsync(node, deadline.Token).ConfigureAwait(false);
        }
        catch (ArgumentException error)
        {
            return ApiProblems.InvalidField("node", error.Message);
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            return ApiProblems.Create(StatusCodes.Status504GatewayTimeout, "drain-timeout", "The drain did not finish in time",
                $"'{node}' still owns shards after {options.DrainTimeout.TotalSeconds:0} s; the hand-offs go on, ask again or see GET /admin/shards", "node");
        }

        var leaving = await admin.RequestLeaveAsync(node, http.RequestAborted).ConfigureAwait(false);
        return TypedResults.Accepted((string?)null, new DrainResponse(node, "drained", leaving));
    }

    private static IShardAdmin? Admin(HttpContext http) => http.RequestServices.GetService<IShardAdmin>();

    private static IResult NotClustered(string field) => ApiProblems.Create(StatusCodes.Status409Conflict, "not-clustered", "This node runs alone",
        "the node was started without --cluster-postgres; it has no shards", field);

    private static bool TryType(IShardAdmin admin, string type, out IResult problem)
    {
        foreach (var known in admin.TypeNames)
        {
            if (string.Equals(known, type, StringComparison.Ordinal))
            {
                problem = TypedResults.Ok();
                return true;
            }
        }

        problem = ApiProblems.InvalidField("type", $"unknown entity type '{type}': expected one of {string.Join(", ", admin.TypeNames)}");
        return false;
    }

    private static bool TryTypes(IShardAdmin admin, string? type, out IReadOnlyList<string> types, out IResult problem)
    {
        if (type is null)
        {
            types = admin.TypeNames;
            problem = TypedResults.Ok();
            return true;
        }

        types = [type];
        return TryType(admin, type, out problem);
    }
}
