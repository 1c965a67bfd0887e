namespace ActorRec.Server.Admin;

/// <summary>
/// Body of <c>GET /admin/cluster</c> (contract: <c>self</c> and <c>members[].node/status/address</c> are fixed;
/// more fields may be added). <see cref="Clustered"/> is false for a node started without a cluster store, which
/// then lists only itself.
/// </summary>
public sealed record ClusterStatusResponse(
    string Self,
    bool Clustered,
    string? Leader,
    long TableVersion,
    IReadOnlyList<ClusterMemberView> Members,
    IReadOnlyList<ClusterSingletonView> Singletons);

/// <summary>
/// One membership row. <see cref="Status"/> is one of up, joining, leaving, exiting, down, removed.
/// <see cref="RttMs"/> is the round trip of a remote ask from the answering node to the member's
/// <c>/system/cluster-ping</c> actor; null with <see cref="RttError"/> saying why when there is none (the member is
/// not live, the ask timed out or failed, or the node has no remoting).
/// </summary>
public sealed record ClusterMemberView(
    string Node,
    string Status,
    string Address,
    long Incarnation,
    IReadOnlyList<string> Roles,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    DateTimeOffset LastHeartbeat,
    double HeartbeatAgeSeconds,
    int Suspicions,
    bool IsSelf,
    double? RttMs = null,
    string? RttError = null);

/// <summary>A singleton's lease: who holds it (null between tenures), its fencing token and expiry, and whether it runs here.</summary>
public sealed record ClusterSingletonView(string Name, string? Holder, long Token, DateTimeOffset ExpiresAt, bool RunningHere);

/// <summary>Body of <c>POST /admin/cluster/leave/{node}</c>: 202 once the member is marked leaving.</summary>
public sealed record ClusterLeaveResponse(string Node, string Outcome);
