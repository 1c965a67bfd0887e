using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;
using Microsoft.Extensions.Logging;

namespace ActorRec.Cluster.Hosting;

/// <summary>
/// The inbound sink of a node that has no remote-actor layer plugged in: every message is logged and dropped.
/// The remote layer replaces it (<see cref="ClusterHostOptions.Sink"/>).
/// </summary>
public sealed partial class LoggingDeadLetterSink(ILogger<LoggingDeadLetterSink> logger) : IRemoteMessageSink
{
    public void Deliver(in InboundMessage message) => LogDropped(message.From.NodeName, message.Message.GetType().Name, "no remote-actor layer on this node");

    public void DeadLetter(PeerIdentity from, RemoteEnvelope envelope, string reason)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(envelope);
        LogDropped(from.NodeName, envelope.Manifest, reason);
    }

    [LoggerMessage(EventId = 1560, Level = LogLevel.Debug, Message = "Dead letter from {Node} ({Message}): {Reason}")]
    private partial void LogDropped(string node, string message, string reason);
}
