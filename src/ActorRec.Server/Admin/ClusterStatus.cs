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

/// <summary>One membership row. <see cref="Status"/> is one of up, joining, leaving, exiting, down, removed.</summary>
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
    bool IsSelf);

/// <summary>A singleton's lease: who holds it (null between tenures), its fencing token and expiry, and whether it runs here.</summary>
public sealed record ClusterSingletonView(string Name, string? Holder, long Token, DateTimeOffset ExpiresAt, bool RunningHere);

/// <summary>Body of <c>POST /admin/cluster/leave/{node}</c>: 202 once the member is marked leaving.</summary>
public sealed record ClusterLeaveResponse(string Node, string Outcome);
