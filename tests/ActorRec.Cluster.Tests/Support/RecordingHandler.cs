using System.Threading.Channels;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;

namespace ActorRec.Cluster.Tests.Support;

/// <summary>Transport handler that records everything into channels tests can await.</summary>
public sealed class RecordingHandler : ITransportHandler
{
    public Channel<(PeerIdentity From, RemoteEnvelope Envelope)> Envelopes { get; } = Channel.CreateUnbounded<(PeerIdentity, RemoteEnvelope)>();
    public Channel<Heartbeat> Heartbeats { get; } = Channel.CreateUnbounded<Heartbeat>();
    public Channel<long> Gossip { get; } = Channel.CreateUnbounded<long>();
    public Channel<PeerIdentity> Connected { get; } = Channel.CreateUnbounded<PeerIdentity>();
    public Channel<PeerIdentity> Disconnected { get; } = Channel.CreateUnbounded<PeerIdentity>();

    /// <summary>Runs on the receive loop before recording (tests use it to stall a reader).</summary>
    public Action<RemoteEnvelope>? BeforeEnvelope { get; set; }

    public void OnEnvelope(PeerIdentity from, RemoteEnvelope envelope)
    {
        BeforeEnvelope?.Invoke(envelope);
        Envelopes.Writer.TryWrite((from, envelope));
    }

    public void OnHeartbeat(PeerIdentity from, Heartbeat heartbeat) => Heartbeats.Writer.TryWrite(heartbeat);

    public void OnGossip(PeerIdentity from, long tableVersion) => Gossip.Writer.TryWrite(tableVersion);

    public void OnPeerConnected(PeerIdentity peer) => Connected.Writer.TryWrite(peer);

    public void OnPeerDisconnected(PeerIdentity peer) => Disconnected.Writer.TryWrite(peer);
}

public static class ChannelExtensions
{
    public static Task<T> NextAsync<T>(this Channel<T> channel) => channel.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Guard);
}
