using Microsoft.Extensions.Logging;

namespace ActorRec.Cluster.Transport;

/// <summary>Source-generated log messages of the transport (event ids 1100-1199).</summary>
public sealed partial class ClusterTransport
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Cluster transport of node {Node} listening on {Address}")]
    private partial void LogListening(string node, string address);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Connected to node {Node} (incarnation {Incarnation}) at {Address} ({Direction})")]
    private partial void LogConnected(string node, long incarnation, string address, string direction);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Lost connection to node {Node} at {Address}")]
    private partial void LogDisconnected(string node, string address);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Refused connection from {RemoteAddress} claiming to be node {ClaimedNode}: {Reason}")]
    private partial void LogRefusedPeer(string remoteAddress, string claimedNode, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Peer at {Address} refused our handshake: {Reason}")]
    private partial void LogRefusedByPeer(string address, string reason);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Peer at {Address} claiming to be node {ClaimedNode} failed to prove the cluster secret; connection dropped")]
    private partial void LogPeerFailedProof(string address, string claimedNode);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Handshake with inbound connection from {RemoteAddress} failed: {Reason}")]
    private partial void LogInboundHandshakeFailed(string remoteAddress, string reason);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Debug, Message = "Dial to {Address} failed: {Reason}")]
    private partial void LogDialFailed(string address, string reason);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Debug, Message = "Redialing {Address} in {Delay}")]
    private partial void LogReconnectScheduled(string address, TimeSpan delay);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Error, Message = "Closing connection from node {Node} at {RemoteAddress}: frame of {Length} bytes exceeds max-frame-size {MaxFrameSize}")]
    private partial void LogFrameTooLarge(string node, string remoteAddress, int length, int maxFrameSize);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Error, Message = "Closing connection from node {Node}: invalid frame length {Length}")]
    private partial void LogInvalidFrame(string node, int length);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Error, Message = "Closing connection from node {Node}: unexpected frame kind {Kind} after the handshake")]
    private partial void LogUnexpectedFrame(string node, byte kind);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Error, Message = "Dropped a malformed {Kind} frame from node {Node}")]
    private partial void LogMalformedFrame(Exception exception, string node, string kind);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Error, Message = "Not sending message {Manifest} to {Recipient}: {Size} bytes exceed max-frame-size {MaxFrameSize}")]
    private partial void LogSendTooLarge(string manifest, string recipient, int size, int maxFrameSize);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Warning, Message = "Write to {Address} failed; up to {Frames} frames of the last batch may be lost; reconnecting")]
    private partial void LogWriteFailed(string address, int frames);

    [LoggerMessage(EventId = 1115, Level = LogLevel.Debug, Message = "Receive from node {Node} ended: {Reason}")]
    private partial void LogReceiveFailed(string node, string reason);

    [LoggerMessage(EventId = 1116, Level = LogLevel.Debug, Message = "Crossing connection to {Address} lost the tie-break; closing it")]
    private partial void LogDuplicateConnection(string address);

    [LoggerMessage(EventId = 1118, Level = LogLevel.Error, Message = "The transport handler failed on a {Kind} frame from node {Node}; frame dropped")]
    private partial void LogHandlerFailed(Exception exception, string kind, string node);

    [LoggerMessage(EventId = 1120, Level = LogLevel.Error, Message = "Closing the connection from node {Node}: malformed envelope batch ({Error})")]
    private partial void LogMalformedBatch(string node, string error);

    [LoggerMessage(EventId = 1119, Level = LogLevel.Information, Message = "Forgot peer {Address}: {Dropped} queued frames discarded")]
    private partial void LogForgotten(string address, int dropped);

    [LoggerMessage(EventId = 1117, Level = LogLevel.Warning, Message = "Accepting a cluster connection failed")]
    private partial void LogAcceptFailed(Exception exception);
}
