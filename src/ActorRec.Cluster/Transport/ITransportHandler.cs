using ActorRec.Cluster.Wire;
using Google.Protobuf;

namespace ActorRec.Cluster.Transport;

/// <summary>
/// Receives what arrives on the transport. Called from the receive loops of many connections concurrently;
/// calls for one connection are sequential and in arrival order. Implementations must be quick (hand the work to a
/// mailbox): a slow handler stalls that connection, and the peer then feels backpressure.
/// </summary>
public interface ITransportHandler
{
    void OnEnvelope(PeerIdentity from, RemoteEnvelope envelope);

    /// <summary>
    /// One message of an envelope-batch frame; the payload is only valid during the call. The default copies it
    /// into a <see cref="RemoteEnvelope"/> for <see cref="OnEnvelope(PeerIdentity, RemoteEnvelope)"/>; handlers on
    /// the hot path override it to deserialize from the span.
    /// </summary>
    void OnEnvelope(PeerIdentity from, in InboundEnvelope envelope) => OnEnvelope(from, new RemoteEnvelope
    {
        Sender = envelope.Sender,
        Recipient = envelope.Recipient,
        Manifest = envelope.Manifest,
        Payload = ByteString.CopyFrom(envelope.Payload),
    });

    void OnHeartbeat(PeerIdentity from, Heartbeat heartbeat);

    void OnGossip(PeerIdentity from, long tableVersion);

    void OnPeerConnected(PeerIdentity peer);

    void OnPeerDisconnected(PeerIdentity peer);
}
