using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Membership;
using ActorRec.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Server.Admin;

/// <summary>
/// The cluster part of the admin API (bearer token required, see <see cref="AdminAuthorization"/>):
/// <list type="bullet">
/// <item><c>GET /admin/cluster</c>: <see cref="ClusterStatusResponse"/>: members with status, address, roles,
/// uptime and last heartbeat, each live member's <c>rttMs</c> (a remote ask to its ping actor; null with
/// <c>rttError</c> when down or timed out), the leader and the singletons' leases.</item>
/// <item><c>POST /admin/cluster/leave/{node}</c>: graceful leave of any member (this node or another); 202, 404 when
/// no live member has that name, 409 when it is already leaving or the node runs alone.</item>
/// </list>
/// </summary>
public static class ClusterAdminEndpoints
{
    public static IEndpointRouteBuilder MapClusterAdmin(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var admin = endpoints.MapGroup("/admin/cluster").RequireAdminToken();
        admin.MapGet("", GetStatusAsync);
        admin.MapPost("/leave/{node}", LeaveAsync);
        return endpoints;
    }

    private static async Task<IResult> GetStatusAsync(HttpContext http, ServerSettings settings)
    {
        var host = http.RequestServices.GetService<ClusterHost>();
        var now = (http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        if (host is null)
        {
            // A node started without a cluster store: it is its own, single, member.
            var process = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();
            var alone = new ClusterMemberView(settings.NodeName, "up", "", 0, [], process, (now - process).TotalSeconds, now, 0, 0, true);
            return TypedResults.Ok(new ClusterStatusResponse(settings.NodeName, false, settings.NodeName, 0, [alone], []));
        }

        return TypedResults.Ok(await ClusterStatusView.BuildAsync(host, now, http.RequestAborted).ConfigureAwait(false));
    }

    private static async Task<IResult> LeaveAsync(string node, HttpContext http)
    {
        var host = http.RequestServices.GetService<ClusterHost>();
        if (host is null)
        {
            return ApiProblems.Create(StatusCodes.Status409Conflict, "not-clustered", "This node runs alone",
                "the node was started without --cluster-postgres; there is no cluster to leave", "node");
        }

        var outcome = await host.RequestLeaveAsync(node, http.RequestAborted).ConfigureAwait(false);
        return outcome switch
        {
            LeaveRequestOutcome.Started => TypedResults.Accepted((string?)null, new ClusterLeaveResponse(node, "leaving")),
            LeaveRequestOutcome.NotFound => ApiProblems.NotFound("node", $"no live member is named '{node}'"),
            _ => ApiProblems.Create(StatusCodes.Status409Conflict, "already-leaving", "Already leaving",
                $"'{node}' is already leaving the cluster", "node"),
        };
    }
}
