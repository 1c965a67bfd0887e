using System.Buffers;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;

namespace ActorRec.Cluster.Tests.Transport;

public sealed class FrameCodecTests
{
    [Fact]
    public void Reads_back_frames_written_back_to_back_and_waits_for_partial_ones()
    {
        var writer = new ArrayBufferWriter<byte>();
        var first = new Heartbeat { NodeName = "a", Sequence = 1 };
        var second = new MembershipGossip { TableVersion = 77 };
        FrameCodec.Write(writer, FrameKind.Heartbeat, first, first.CalculateSize());
        FrameCodec.Write(writer, FrameKind.Gossip, second, second.CalculateSize());
        var bytes = writer.WrittenMemory.ToArray();

        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(FrameReadStatus.Frame, FrameCodec.TryRead(ref buffer, 1024, out var kind, out var body, out _));
        Assert.Equal(FrameKind.Heartbeat, kind);
        Assert.Equal(first, Heartbeat.Parser.ParseFrom(body));
        Assert.Equal(FrameReadStatus.Frame, FrameCodec.TryRead(ref buffer, 1024, out kind, out body, out _));
        Assert.Equal((FrameKind.Gossip, 77L), (kind, MembershipGossip.Parser.ParseFrom(body).TableVersion));
        Assert.Equal(FrameReadStatus.Incomplete, FrameCodec.TryRead(ref buffer, 1024, out _, out _, out _));

        for (var cut = 0; cut < first.CalculateSize() + FrameCodec.HeaderSize; cut++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.Equal(FrameReadStatus.Incomplete, FrameCodec.TryRead(ref partial, 1024, out _, out _, out _));
            Assert.Equal(cut, partial.Length); // nothing consumed
        }
    }

    [Fact]
    public void Flags_frames_over_the_limit_and_nonsense_lengths()
    {
        var big = new ReadOnlySequence<byte>([0, 1, 0, 0, 16]);
        Assert.Equal(FrameReadStatus.TooLarge, FrameCodec.TryRead(ref big, 65535, out _, out _, out var length));
        Assert.Equal(65536, length);
        var zero = new ReadOnlySequence<byte>([0, 0, 0, 0]);
        Assert.Equal(FrameReadStatus.Invalid, FrameCodec.TryRead(ref zero, 1024, out _, out _, out _));
        var negative = new ReadOnlySequence<byte>([0xFF, 0xFF, 0xFF, 0xFF]);
        Assert.Equal(FrameReadStatus.Invalid, FrameCodec.TryRead(ref negative, 1024, out _, out _, out _));
    }

    [Fact]
    public void Backoff_grows_exponentially_with_jitter_up_to_the_cap()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), new Random(7));
        for (var attempt = 0; attempt < 12; attempt++)
        {
            var ceiling = Math.Min(10_000, 100 * Math.Pow(2, attempt));
            var d = backoff.Next(attempt).TotalMilliseconds;
            Assert.InRange(d, ceiling / 2, ceiling);
        }

        Assert.InRange(backoff.Next(1000).TotalMilliseconds, 5000, 10_000);
        var spread = Enumerable.Range(0, 50).Select(_ => backoff.Next(5)).Distinct().Count();
        Assert.True(spread > 40, "jitter spreads redials");
    }
}
