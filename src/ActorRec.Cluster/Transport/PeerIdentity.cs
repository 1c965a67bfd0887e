using System.Globalization;

namespace ActorRec.Cluster.Transport;

/// <summary>Who is at the other end of an authenticated connection.</summary>
/// <param name="NodeName">Node name from the handshake.</param>
/// <param name="Incarnation">Incarnation of that node; a restarted node has a new one.</param>
/// <param name="Address">"host:port" the node listens on.</param>
public sealed record PeerIdentity(string NodeName, long Incarnation, string Address)
{
    /// <summary>"name#incarnation": the key of this member in the failure detector and the membership table.</summary>
    public string MemberKey { get; } = MemberKeyOf(NodeName, Incarnation);

    public static string MemberKeyOf(string nodeName, long incarnation) =>
        nodeName + "#" + incarnation.ToString(CultureInfo.InvariantCulture);
}
