using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace ActorRec.Cluster.Transport;

/// <summary>First byte of every frame body.</summary>
internal enum FrameKind : byte
{
    Hello = 1,
    HelloReply = 2,
    Proof = 3,
    Accept = 4,
    Reject = 5,
    Envelope = 16,
    Heartbeat = 17,
    Gossip = 18,
    EnvelopeBatch = 19,
}

/// <summary>Outcome of <see cref="FrameCodec.TryRead"/>.</summary>
internal enum FrameReadStatus
{
    Frame,
    Incomplete,
    TooLarge,
    Invalid,
}

/// <summary>
/// Length-prefixed framing: a 4-byte big-endian length L (kind byte + body, so L ≥ 1), the kind byte, then the
/// protobuf body. Frames are written straight into the pipe's memory, with no intermediate buffer.
/// </summary>
internal static class FrameCodec
{
    public const int HeaderSize = 5;

    /// <summary>Writes one frame; <paramref name="bodySize"/> must be <c>message.CalculateSize()</c>.</summary>
    public static void Write(IBufferWriter<byte> writer, FrameKind kind, IMessage message, int bodySize)
    {
        var total = HeaderSize + bodySize;
        var span = writer.GetSpan(total);
        BinaryPrimitives.WriteInt32BigEndian(span, bodySize + 1);
        span[4] = (byte)kind;
        message.WriteTo(span.Slice(HeaderSize, bodySize));
        writer.Advance(total);
    }

    /// <summary>
    /// Reads one frame from the front of <paramref name="buffer"/> and slices it off. <paramref name="length"/> is the
    /// declared length (useful in the error when it exceeds <paramref name="maxFrameSize"/>).
    /// </summary>
    public static FrameReadStatus TryRead(
        ref ReadOnlySequence<byte> buffer, int maxFrameSize, out FrameKind kind, out ReadOnlySequence<byte> body, out int length)
    {
        kind = default;
        body = default;
        length = 0;
        if (buffer.Length < 4)
        {
            return FrameReadStatus.Incomplete;
        }

        Span<byte> header = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(header);
        length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 1)
        {
            return FrameReadStatus.Invalid;
        }

        if (length > maxFrameSize)
        {
            return FrameReadStatus.TooLarge;
        }

        if (buffer.Length < 4L + length)
        {
            return FrameReadStatus.Incomplete;
        }

        var frame = buffer.Slice(4, length);
        kind = (FrameKind)frame.FirstSpan[0];
        body = frame.Slice(1);
        buffer = buffer.Slice(frame.End);
        return FrameReadStatus.Frame;
    }
}
