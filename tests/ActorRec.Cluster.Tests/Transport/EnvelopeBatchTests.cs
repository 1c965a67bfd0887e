using System.Buffers;
using System.Text;
using ActorRec.Cluster.Tests.Support;
using ActorRec.Cluster.Transport;
using Google.Protobuf;

namespace ActorRec.Cluster.Tests.Transport;

/// <summary>The envelope-batch frame: codec round trips, its string table, malformed input, and end to end.</summary>
public sealed class EnvelopeBatchTests : TransportTestBase
{
    [Fact]
    public void A_batch_round_trips_and_repeated_strings_are_sent_once()
    {
        var encoder = new EnvelopeBatchCodec.Encoder();
        var first = new ArrayBufferWriter<byte>();
        encoder.Append("actorrec://s@h:1/user/a", "/user/b", "m.one", ByteString.CopyFromUtf8("payload-1"));
        encoder.Append("", "/user/b", "m.two", ByteString.Empty);
        encoder.Flush(first);
        var second = new ArrayBufferWriter<byte>();
        encoder.Append("actorrec://s@h:1/user/a", "/user/b", "m.one", ByteString.CopyFromUtf8("payload-2"));
        encoder.Flush(second);
        Assert.Equal(0, encoder.Count);

        var decoder = new EnvelopeBatchCodec.Decoder();
        var got = Decode(decoder, first.WrittenSpan);
        Assert.Equal([("actorrec://s@h:1/user/a", "/user/b", "m.one", "payload-1"), ("", "/user/b", "m.two", "")], got);
        got = Decode(decoder, second.WrittenSpan);
        Assert.Equal([("actorrec://s@h:1/user/a", "/user/b", "m.one", "payload-2")], got);

        // Known strings are table indexes: 3 one-byte references + length + 9 payload bytes.
        Assert.Equal(FrameCodec.HeaderSize + 3 + 1 + 9, second.WrittenCount);
        encoder.Release();
    }

    [Fact]
    public void Strings_beyond_the_table_cap_travel_as_literals()
    {
        var encoder = new EnvelopeBatchCodec.Encoder();
        var decoder = new EnvelopeBatchCodec.Decoder();
        var buffer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < EnvelopeBatchCodec.MaxTableEntries + 10; i++)
        {
            encoder.Append("", "/user/r" + i, "m", ByteString.Empty);
        }

        encoder.Append("", "/user/r" + (EnvelopeBatchCodec.MaxTableEntries + 5), "m", ByteString.Empty);
        encoder.Flush(buffer);
        var got = Decode(decoder, buffer.WrittenSpan);
        Assert.Equal(EnvelopeBatchCodec.MaxTableEntries + 11, got.Count);
        Assert.Equal("/user/r" + (EnvelopeBatchCodec.MaxTableEntries + 9), got[^2].Recipient);
        Assert.Equal("/user/r" + (EnvelopeBatchCodec.MaxTableEntries + 5), got[^1].Recipient);
        encoder.Release();
    }

    [Fact]
    public void Pending_ask_paths_are_not_kept_in_the_table()
    {
        var encoder = new EnvelopeBatchCodec.Encoder();
        var buffer = new ArrayBufferWriter<byte>();
        encoder.Append("actorrec://s@h:1/temp/$a1", "/user/b", "m", ByteString.Empty);
        encoder.Append("actorrec://s@h:1/temp/$a1", "/user/b", "m", ByteString.Empty);
        encoder.Flush(buffer);
        var decoder = new EnvelopeBatchCodec.Decoder();
        var got = Decode(decoder, buffer.WrittenSpan);
        Assert.Equal(2, got.Count);
        Assert.All(got, e => Assert.Equal("actorrec://s@h:1/temp/$a1", e.Sender));
        // Both records carry the literal (tag 0): the frame holds the 25-byte path twice.
        Assert.True(buffer.WrittenCount > FrameCodec.HeaderSize + (2 * 25));
        encoder.Release();
    }

    [Theory]
    [InlineData(new byte[] { 5 }, "string index 3 is not in the table")]
    [InlineData(new byte[] { 1, 10, (byte)'a' }, "beyond the end")]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 9, 1 }, "payload length beyond the end")]
    [InlineData(new byte[] { 0x80 }, "truncated")]
    public void Malformed_batches_are_refused_with_the_reason(byte[] body, string reason)
    {
        var ok = new EnvelopeBatchCodec.Decoder().Decode<object?>(body, null, static (_, _) => { }, out var error);
        Assert.False(ok);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batched_and_single_envelopes_arrive_in_send_order()
    {
        var (a, _) = Start(Settings("a"));
        var (b, bh) = Start(Settings("b"));
        for (var i = 0; i < 3000; i++)
        {
            var result = i % 100 == 7
                ? a.Send(b.Self.Address, Envelope(i))
                : a.SendEnvelope(b.Self.Address, "actorrec://s@x:1/user/sender", "/user/target-" + (i % 3), "test.msg", ByteString.CopyFrom(BitConverter.GetBytes(i)));
            Assert.Equal(SendResult.Enqueued, result);
        }

        for (var i = 0; i < 3000; i++)
        {
            var (from, e) = await bh.Envelopes.NextAsync();
            Assert.Equal(i, IndexOf(e));
            Assert.Equal("a", from.NodeName);
            if (i % 100 != 7)
            {
                Assert.Equal(("actorrec://s@x:1/user/sender", "/user/target-" + (i % 3), "test.msg"), (e.Sender, e.Recipient, e.Manifest));
            }
        }

        Assert.True(a.Counters.Flushes < 3000, "envelopes were coalesced");
    }

    [Fact]
    public void An_envelope_larger_than_a_frame_is_refused_before_queueing()
    {
        var (a, _) = Start(Settings("a") with { MaxFrameSize = 1024 });
        Assert.Equal(SendResult.TooLarge, a.SendEnvelope("127.0.0.1:1", "", "/user/x", "m", ByteString.CopyFrom(new byte[2000])));
    }

    private static List<(string Sender, string Recipient, string Manifest, string Payload)> Decode(EnvelopeBatchCodec.Decoder decoder, ReadOnlySpan<byte> frame)
    {
        var got = new List<(string, string, string, string)>();
        Assert.Equal((byte)FrameKind.EnvelopeBatch, frame[4]);
        var ok = decoder.Decode(frame[FrameCodec.HeaderSize..], got,
            static (list, e) => list.Add((e.Sender, e.Recipient, e.Manifest, Encoding.UTF8.GetString(e.Payload))), out var error);
        Assert.True(ok, error);
        return got;
    }
}
