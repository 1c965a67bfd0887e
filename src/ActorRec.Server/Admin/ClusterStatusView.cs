using ActorRec.Actors;
using ActorRec.Cluster.Hosting;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Singleton;

namespace ActorRec.Server.Admin;

/// <summary>Turns a <see cref="ClusterHost"/>'s membership snapshot and lease rows into the admin API's view.</summary>
public static class ClusterStatusView
{
    /// <summary>How long a member's ping may take before its <c>rttMs</c> is null ("timeout").</summary>
    public static readonly TimeSpan DefaultPingTimeout = TimeSpan.FromSeconds(1);

    public static async Task<ClusterStatusResponse> BuildAsync(ClusterHost host, DateTimeOffset now, CancellationToken cancellationToken = default,
        TimeSpan? pingTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var self = host.Node.Self;
        var snapshot = host.Node.Membership.Current;
        var members = new List<ClusterMemberView>(snapshot.Members.Length);

        // Every live member is pinged at once, so the page takes at most one ping timeout.
        var pings = new Task<(double? RttMs, string? Error)>[snapshot.Members.Length];
        for (var i = 0; i < pings.Length; i++)
        {
            pings[i] = PingAsync(host, snapshot.Members[i], pingTimeout ?? DefaultPingTimeout, cancellationToken);
        }

        await Task.WhenAll(pings).ConfigureAwait(false);
        for (var i = 0; i < pings.Length; i++)
        {
            var m = snapshot.Members[i];
            var (rtt, rttError) = pings[i].Result;
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
                m.MemberKey == self.MemberKey,
                rtt,
                rttError));
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

    /// <summary>
    /// The round trip in milliseconds of a remote ask to the member's ping actor, or null and why not. The answer must
    /// come from the member's own incarnation (a restarted node on the same address is another member).
    /// </summary>
    private static async Task<(double? RttMs, string? Error)> PingAsync(ClusterHost host, MemberRow member, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (host.Remote is not { } remote)
        {
            return (null, "this node has no remoting");
        }

        if (!member.IsLive)
        {
            return (null, $"member is {StatusName(member.Status)}");
        }

        try
        {
            var result = await remote.PingAsync(member.Address, timeout, cancellationToken).ConfigureAwait(false);
            return result.Pong.NodeName == member.NodeName && result.Pong.Incarnation == member.Incarnation
                ? (Math.Round(result.RoundTrip.TotalMilliseconds, 3), null)
                : (null, $"answered by {result.Pong.NodeName}#{result.Pong.Incarnation}, not this member");
        }
        catch (AskTimeoutException)
        {
            return (null, $"timeout: no answer within {timeout.TotalMilliseconds:0} ms");
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            return (null, $"ping failed: {error.Message}");
        }
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
