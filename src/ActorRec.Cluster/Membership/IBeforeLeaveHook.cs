namespace ActorRec.Cluster.Membership;

/// <summary>
/// Runs while this node is Leaving, before it becomes Exiting (e.g. the shard region hands its shards off).
/// Hooks run one after another in registration order; the node becomes Exiting when all have returned or thrown
/// (a throwing hook is logged and does not block the leave).
/// </summary>
public interface IBeforeLeaveHook
{
    Task BeforeLeaveAsync(MembershipSnapshot membership, CancellationToken cancellationToken);
}

/// <summary>What the membership service tells the rest of the node.</summary>
public interface IMembershipListener
{
    /// <summary>The table changed (a new version was read). Called from the membership loop, sequentially.</summary>
    void OnMembershipChanged(MembershipSnapshot snapshot);

    /// <summary>This node wrote a change: gossip <paramref name="tableVersion"/> to peers so they poll at once.</summary>
    void OnLocalWrite(long tableVersion);

    /// <summary>
    /// This node was declared down (or superseded). It must stop its entities and exit; the membership service has
    /// already stopped writing.
    /// </summary>
    Task OnSelfDownAsync(string reason);
}
