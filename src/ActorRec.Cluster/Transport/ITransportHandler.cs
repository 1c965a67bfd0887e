using ActorRec.Cluster.Wire;

namespace ActorRec.Cluster.Transport;

/// <summary>
/// Receives what arrives on the transport. Called from the receive loops of many connections concurrently;
/// calls for one connection are sequential and in arrival order. Implementations must be quick (hand the work to a
/// mailbox): a slow handler stalls that connection, and the peer then feels backpressure.
/// </summary>
public interface ITransportHandler
{
    void OnEnvelope(PeerIdentity from, RemoteEnvelope envelope);

    void OnHeartbeat(PeerIdentity from, Heartbeat heartbeat);

    void OnGossip(PeerIdentity from, long tableVersion);

    void OnPeerConnected(PeerIdentity peer);

    void OnPeerDisconnected(PeerIdentity peer);
}
