using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Singleton;

namespace ActorRec.Server.Admin;

/// <summary>Turns a <see cref="ClusterHost"/>'s membership snapshot and lease rows into the admin API's view.</summary>
public static class ClusterStatusView
{
    public static async Task<ClusterStatusResponse> BuildAsync(ClusterHost host, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var self = host.Node.Self;
        var snapshot = host.Node.Membership.Current;
        var members = new List<ClusterMemberView>(snapshot.Members.Length);
        foreach (var m in snapshot.Members)
        {
            var live = m.IsLive;
            members.Add(new ClusterMemberView(
                m.NodeName,
                StatusName(m.Status),
                m.Address,
                m.Incarnation,
                m.Roles.IsDefault ? [] : [.. m.Roles],
                m.StartedAt,
                live ? Math.Max(0, (now - m.StartedAt).TotalSeconds) : 0,
                m.LastHeartbeat,
                Math.Max(0, (now - m.LastHeartbeat).TotalSeconds),
                m.Suspicions.IsDefault ? 0 : m.Suspicions.Length,
                m.MemberKey == self.MemberKey));
        }

        var singletons = new List<ClusterSingletonView>();
        string? leader = null;
        foreach (var lease in await host.ReadSingletonLeasesAsync(cancellationToken).ConfigureAwait(false))
        {
            var held = lease.Holder is not null && lease.ExpiresAt > now;
            string? holderNode = null;
            if (held && ClusterSingletonProxy.TryParseHolder(lease.Holder!, out var node, out _))
            {
                holderNode = node;
            }

            var name = lease.Name.StartsWith("singleton/", StringComparison.Ordinal) ? lease.Name["singleton/".Length..] : lease.Name;
            var runningHere = false;
            foreach (var manager in host.Singletons)
            {
                runningHere |= manager.Name == name && manager.IsRunning;
            }

            singletons.Add(new ClusterSingletonView(name, holderNode, lease.Token, lease.ExpiresAt, runningHere));
            if (name == ClusterLeader.SingletonName)
            {
                leader = holderNode;
            }
        }

        return new ClusterStatusResponse(self.NodeName, true, leader, snapshot.Version, members, singletons);
    }

    /// <summary>The lower-case status name of the admin contract.</summary>
    public static string StatusName(MemberStatus status) => status switch
    {
        MemberStatus.Joining => "joining",
        MemberStatus.Up => "up",
        MemberStatus.Leaving => "leaving",
        MemberStatus.Exiting => "exiting",
        MemberStatus.Down => "down",
        _ => "removed",
    };
}
