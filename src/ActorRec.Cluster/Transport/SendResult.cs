namespace ActorRec.Cluster.Transport;

/// <summary>
/// What happened to a message handed to <see cref="ClusterTransport"/>. Delivery is at most once: an enqueued
/// message can still be lost if the connection breaks before the peer reads it.
/// </summary>
public enum SendResult
{
    /// <summary>Queued for the peer; it will be written when a connection is up.</summary>
    Enqueued,

    /// <summary>
    /// The peer's outbound queue is full (the peer is slow or unreachable): the message was dropped (drop-newest
    /// policy) and counted in <see cref="TransportCounters.Dropped"/>. The caller decides whether to dead-letter it,
    /// tell its sender, or retry later.
    /// </summary>
    QueueFull,

    /// <summary>The serialized message exceeds the maximum frame size; dropped and logged.</summary>
    TooLarge,

    /// <summary>The transport is shutting down.</summary>
    Stopped,
}

/// <summary>Monotonic counters of one transport (read them at any time; they only grow).</summary>
public sealed class TransportCounters
{
    internal long FramesSentValue;
    internal long FramesReceivedValue;
    internal long FlushesValue;
    internal long DroppedValue;
    internal long HandshakesRefusedValue;
    internal long ConnectionsEstablishedValue;

    public long FramesSent => Interlocked.Read(ref FramesSentValue);
    public long FramesReceived => Interlocked.Read(ref FramesReceivedValue);

    /// <summary>Flushes of coalesced frames; FramesSent / Flushes is the average batch size.</summary>
    public long Flushes => Interlocked.Read(ref FlushesValue);

    /// <summary>Messages dropped because a peer's outbound queue was full.</summary>
    public long Dropped => Interlocked.Read(ref DroppedValue);

    /// <summary>Inbound or outbound handshakes that failed authentication, version or cluster checks.</summary>
    public long HandshakesRefused => Interlocked.Read(ref HandshakesRefusedValue);

    public long ConnectionsEstablished => Interlocked.Read(ref ConnectionsEstablishedValue);
}
