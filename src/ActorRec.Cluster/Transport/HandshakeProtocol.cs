using System.Security.Cryptography;
using System.Text;

namespace ActorRec.Cluster.Transport;

/// <summary>
/// Mutual challenge-response authentication with the shared cluster secret.
/// </summary>
/// <remarks>
/// <code>
/// dialer   → acceptor : Hello(version, cluster, name, incarnation, address, nonceD)
/// acceptor → dialer   : HelloReply(version, name, incarnation, address, nonceA, HMAC(secret, "acceptor"|nonceD|nonceA|nameA|nameD))
/// dialer   → acceptor : Proof(HMAC(secret, "dialer"|nonceD|nonceA|nameD|nameA))
/// acceptor → dialer   : Accept   (or Reject(reason) at any step, then close)
/// </code>
/// Both proofs cover both fresh nonces, so a recorded handshake cannot be replayed, and the role label plus the
/// ordered names stop a proof from being reflected back to its author. The secret never crosses the wire.
/// Proofs are compared in constant time. A node that cannot prove the secret is refused and logged with its address.
/// </remarks>
internal static class HandshakeProtocol
{
    /// <summary>Wire protocol version; peers with another version are refused.</summary>
    /// <remarks>2: envelope-batch frames (kind 19), which a version-1 node would treat as a protocol violation.</remarks>
    public const uint ProtocolVersion = 2;

    public const int NonceSize = 32;

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceSize);

    public static byte[] ComputeProof(
        byte[] secret, string role, ReadOnlySpan<byte> dialerNonce, ReadOnlySpan<byte> acceptorNonce, string prover, string verifier)
    {
        var buffer = new List<byte>(128);
        Append(buffer, Encoding.UTF8.GetBytes(role));
        Append(buffer, dialerNonce);
        Append(buffer, acceptorNonce);
        Append(buffer, Encoding.UTF8.GetBytes(prover));
        Append(buffer, Encoding.UTF8.GetBytes(verifier));
        return HMACSHA256.HashData(secret, buffer.ToArray());
    }

    public static bool Verify(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual) =>
        expected.Length == actual.Length && CryptographicOperations.FixedTimeEquals(expected, actual);

    // Length-prefixed parts so that ("ab","c") and ("a","bc") never produce the same input.
    private static void Append(List<byte> buffer, ReadOnlySpan<byte> part)
    {
        buffer.Add((byte)(part.Length >> 8));
        buffer.Add((byte)part.Length);
        foreach (var b in part)
        {
            buffer.Add(b);
        }
    }
}

/// <summary>The handshake failed: wrong secret, version or cluster, malformed frame, or timeout.</summary>
public sealed class HandshakeException(string message) : Exception(message);
