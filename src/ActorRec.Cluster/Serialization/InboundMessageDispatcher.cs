using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;
using Microsoft.Extensions.Logging;

namespace ActorRec.Cluster.Serialization;

/// <summary>A deserialized message from a remote node, ready to be delivered to a local actor.</summary>
public readonly record struct InboundMessage(PeerIdentity From, string Sender, string Recipient, object Message, ulong CorrelationId);

/// <summary>Receives deserialized remote messages (the remote-ref layer implements it).</summary>
public interface IRemoteMessageSink
{
    void Deliver(in InboundMessage message);

    /// <summary>A frame that could not be delivered (unknown manifest, malformed payload): dead-letter it.</summary>
    void DeadLetter(PeerIdentity from, RemoteEnvelope envelope, string reason);
}

/// <summary>
/// Turns inbound envelopes into messages with the registry. An envelope whose manifest is unknown or whose payload
/// does not parse is logged (once per manifest at error level, then at debug), counted and dead-lettered;
/// the connection and the process carry on.
/// </summary>
public sealed partial class InboundMessageDispatcher(MessageSerializerRegistry registry, IRemoteMessageSink sink, ILogger logger)
{
    private readonly HashSet<string> _reportedManifests = new(StringComparer.Ordinal);
    private long _deadLetters;

    /// <summary>Envelopes that could not be delivered since start.</summary>
    public long DeadLetters => Interlocked.Read(ref _deadLetters);

    public void Dispatch(PeerIdentity from, RemoteEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var status = registry.TryDeserialize(envelope.Manifest, envelope.Payload.Span, out var message, out var error);
        if (status == DeserializeStatus.Ok)
        {
            sink.Deliver(new InboundMessage(from, envelope.Sender, envelope.Recipient, message!, envelope.CorrelationId));
            return;
        }

        Reject(from, envelope, status, error);
    }

    /// <summary>The batched path: deserializes straight from the frame's span (see <see cref="InboundEnvelope"/>).</summary>
    public void Dispatch(PeerIdentity from, in InboundEnvelope envelope)
    {
        var status = registry.TryDeserialize(envelope.Manifest, envelope.Payload, out var message, out var error);
        if (status == DeserializeStatus.Ok)
        {
            sink.Deliver(new InboundMessage(from, envelope.Sender, envelope.Recipient, message!, 0));
            return;
        }

        Reject(from, new RemoteEnvelope
        {
            Sender = envelope.Sender,
            Recipient = envelope.Recipient,
            Manifest = envelope.Manifest,
            Payload = Google.Protobuf.ByteString.CopyFrom(envelope.Payload),
        }, status, error);
    }

    private void Reject(PeerIdentity from, RemoteEnvelope envelope, DeserializeStatus status, Exception? error)
    {
        if (status == DeserializeStatus.UnknownManifest)
        {
            bool first;
            lock (_reportedManifests)
            {
                first = _reportedManifests.Add(envelope.Manifest);
            }

            if (first)
            {
                LogUnknownManifest(envelope.Manifest, from.NodeName, envelope.Recipient);
            }
            else
            {
                LogUnknownManifestAgain(envelope.Manifest, from.NodeName);
            }

            Interlocked.Increment(ref _deadLetters);
            sink.DeadLetter(from, envelope, "unknown manifest '" + envelope.Manifest + "'");
            return;
        }

        LogMalformed(error, envelope.Manifest, from.NodeName);
        Interlocked.Increment(ref _deadLetters);
        sink.DeadLetter(from, envelope, "malformed payload for manifest '" + envelope.Manifest + "'");
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Error,
        Message = "Dropped a message with unknown manifest {Manifest} from node {Node} for {Recipient}: register the type on this node (further drops of this manifest are logged at debug)")]
    private partial void LogUnknownManifest(string manifest, string node, string recipient);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Debug, Message = "Dropped another message with unknown manifest {Manifest} from node {Node}")]
    private partial void LogUnknownManifestAgain(string manifest, string node);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Dropped a malformed message with manifest {Manifest} from node {Node}")]
    private partial void LogMalformed(Exception? error, string manifest, string node);
}
