using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ActorRec.Cluster.Membership;

/// <summary>
/// Proof, stored in a member's row, that whoever wrote it holds the cluster secret:
/// base64(HMAC-SHA256(secret, "member" | cluster | node | incarnation | address)). Database access alone is not
/// enough to join: peers declare a row without a valid proof down (<see cref="DownReason.Unauthenticated"/>), just as
/// the transport refuses its connections.
/// </summary>
public sealed class MemberProof(string clusterName, string secret)
{
    private readonly byte[] _secret = Encoding.UTF8.GetBytes(secret);

    public string Compute(string nodeName, long incarnation, string address)
    {
        var input = Encoding.UTF8.GetBytes(string.Join('\n', "member", clusterName, nodeName,
            incarnation.ToString(CultureInfo.InvariantCulture), address));
        return Convert.ToBase64String(HMACSHA256.HashData(_secret, input));
    }

    public bool Verify(MemberRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        Span<byte> actual = stackalloc byte[32];
        if (!Convert.TryFromBase64String(row.Proof, actual, out var written) || written != 32)
        {
            return false;
        }

        var expected = Convert.FromBase64String(Compute(row.NodeName, row.Incarnation, row.Address));
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
