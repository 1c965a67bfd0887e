namespace ActorRec.Cluster.Membership;

/// <summary>
/// The membership table: the single source of truth of who is in the cluster, in the style of Orleans' membership
/// table. Agreement comes from the store's transactions, not from a consensus protocol among nodes.
/// </summary>
/// <remarks>
/// Optimistic concurrency: every membership change names the table version it read (and, for an update, the row's
/// ETag). The write succeeds only if neither changed; it then bumps the table version by one. On
/// <see cref="WriteOutcome.Conflict"/> the caller re-reads and re-decides. Heartbeats are the exception: they
/// change neither the table version nor the ETag (they are frequent and would otherwise conflict with everything).
/// Rows of different clusters (<see cref="ClusterName"/>) never see each other.
/// </remarks>
public interface IMembershipTable
{
    string ClusterName { get; }

    /// <summary>Creates the schema and the version row if missing. Idempotent.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    Task<MembershipSnapshot> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts a new member; Conflict when the version moved or the (name, incarnation) row exists.</summary>
    Task<WriteOutcome> TryInsertAsync(MemberRow row, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces status, suspicions and roles of a row whose ETag is <c>row.ETag</c>. Name, incarnation, address,
    /// start time, proof and heartbeat are not changed by updates.
    /// </summary>
    Task<WriteOutcome> TryUpdateAsync(MemberRow row, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Records a heartbeat of a member; false when the row does not exist.</summary>
    Task<bool> UpdateHeartbeatAsync(string nodeName, long incarnation, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the rows of down or removed members whose last heartbeat is older than <paramref name="olderThan"/>;
    /// returns how many, or null on a version conflict.
    /// </summary>
    Task<int?> DeleteDeadAsync(DateTimeOffset olderThan, long expectedVersion, CancellationToken cancellationToken = default);
}
