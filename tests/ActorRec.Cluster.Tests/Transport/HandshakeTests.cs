using ActorRec.Actors.TestKit;
using System.Net.Sockets;
using ActorRec.Cluster.Tests.Support;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;
using Google.Protobuf;

namespace ActorRec.Cluster.Tests.Transport;

public sealed class HandshakeTests : TransportTestBase
{
    [Fact]
    public async Task A_node_with_another_secret_is_refused_on_both_sides_and_nothing_is_delivered()
    {
        var time = new VirtualTimeProvider();
        var aLog = new ListLogger();
        var bLog = new ListLogger();
        var (a, _) = Start(Settings("a", secret: "a different secret, 32 chars.."), time, aLog);
        var (b, bh) = Start(Settings("b"), time, bLog);
        var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.ReconnectScheduled += (_, _) => scheduled.TrySetResult();

        a.Send(b.Self.Address, Envelope(1));

        var dialerSide = await aLog.WaitForAsync(1105);
        Assert.Contains(b.Self.Address, dialerSide.Message, StringComparison.Ordinal);
        var acceptorSide = await bLog.WaitForAsync(1103);
        Assert.Contains("127.0.0.1:", acceptorSide.Message, StringComparison.Ordinal); // the remote address is logged
        Assert.Contains("claiming to be node a", acceptorSide.Message, StringComparison.Ordinal);
        await scheduled.Task.WaitAsync(TestTimeouts.Guard);

        Assert.Equal(1, a.Counters.HandshakesRefused);
        Assert.Equal(1, b.Counters.HandshakesRefused);
        Assert.Empty(b.ConnectedPeers());
        Assert.False(bh.Envelopes.Reader.TryRead(out _));
    }

    [Fact]
    public async Task A_client_that_cannot_prove_the_secret_is_rejected_and_logged_with_its_address()
    {
        var log = new ListLogger();
        var (b, _) = Start(Settings("b"), logger: log);
        using var client = await ConnectAsync(b);
        var hello = new Hello
        {
            ProtocolVersion = HandshakeProtocol.ProtocolVersion, ClusterName = "actorrec", NodeName = "intruder", Incarnation = 1,
            Address = "127.0.0.1:1", Nonce = ByteString.CopyFrom(HandshakeProtocol.NewNonce()),
        };
        await SendAsync(client, FrameKind.Hello, hello);
        var (kind, _) = await ReceiveAsync(client);
        Assert.Equal(FrameKind.HelloReply, kind);

        await SendAsync(client, FrameKind.Proof, new Proof { Proof_ = ByteString.CopyFrom(new byte[32]) });
        var (rejectKind, body) = await ReceiveAsync(client);
        Assert.Equal(FrameKind.Reject, rejectKind);
        Assert.Contains("did not prove the cluster secret", Reject.Parser.ParseFrom(body).Reason, StringComparison.Ordinal);

        var entry = await log.WaitForAsync(1103);
        Assert.Contains("127.0.0.1:" + ((System.Net.IPEndPoint)client.LocalEndPoint!).Port, entry.Message, StringComparison.Ordinal);
        Assert.Contains("intruder", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_protocol_version_is_rejected_with_the_reason()
    {
        var (b, _) = Start(Settings("b"));
        using var client = await ConnectAsync(b);
        await SendAsync(client, FrameKind.Hello, new Hello { ProtocolVersion = 99, ClusterName = "actorrec", NodeName = "future", Nonce = ByteString.CopyFrom(new byte[32]) });
        var (kind, body) = await ReceiveAsync(client);
        Assert.Equal(FrameKind.Reject, kind);
        Assert.Contains("protocol version 99 is not supported", Reject.Parser.ParseFrom(body).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_cluster_name_is_rejected()
    {
        var (b, _) = Start(Settings("b"));
        using var client = await ConnectAsync(b);
        await SendAsync(client, FrameKind.Hello, new Hello { ProtocolVersion = HandshakeProtocol.ProtocolVersion, ClusterName = "other", NodeName = "x", Nonce = ByteString.CopyFrom(new byte[32]) });
        var (kind, body) = await ReceiveAsync(client);
        Assert.Equal(FrameKind.Reject, kind);
        Assert.Contains("cluster 'other'", Reject.Parser.ParseFrom(body).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Proofs_depend_on_secret_role_nonces_and_names()
    {
        var secret = "s3cret-s3cret-s3cret"u8.ToArray();
        var n1 = HandshakeProtocol.NewNonce();
        var n2 = HandshakeProtocol.NewNonce();
        var proof = HandshakeProtocol.ComputeProof(secret, "dialer", n1, n2, "a", "b");
        Assert.True(HandshakeProtocol.Verify(proof, HandshakeProtocol.ComputeProof(secret, "dialer", n1, n2, "a", "b")));
        Assert.False(HandshakeProtocol.Verify(proof, HandshakeProtocol.ComputeProof(secret, "acceptor", n1, n2, "a", "b")));
        Assert.False(HandshakeProtocol.Verify(proof, HandshakeProtocol.ComputeProof(secret, "dialer", n2, n1, "a", "b")));
        Assert.False(HandshakeProtocol.Verify(proof, HandshakeProtocol.ComputeProof(secret, "dialer", n1, n2, "b", "a")));
        Assert.False(HandshakeProtocol.Verify(proof, HandshakeProtocol.ComputeProof("other-secret-other"u8.ToArray(), "dialer", n1, n2, "a", "b")));
        Assert.False(HandshakeProtocol.Verify(proof, proof.AsSpan(0, 31)));
    }

    private static async Task<Socket> ConnectAsync(ClusterTransport target)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var parts = target.Self.Address.Split(':');
        await socket.ConnectAsync(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        return socket;
    }

    private static async Task SendAsync(Socket socket, FrameKind kind, IMessage message)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        FrameCodec.Write(buffer, kind, message, message.CalculateSize());
        await socket.SendAsync(buffer.WrittenMemory);
    }

    private static async Task<(FrameKind Kind, byte[] Body)> ReceiveAsync(Socket socket)
    {
        var header = new byte[5];
        await ReadExactlyAsync(socket, header);
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header);
        var body = new byte[length - 1];
        await ReadExactlyAsync(socket, body);
        return ((FrameKind)header[4], body);
    }

    private static async Task ReadExactlyAsync(Socket socket, byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read)).AsTask().WaitAsync(TestTimeouts.Guard);
            Assert.True(n > 0, "connection closed early");
            read += n;
        }
    }
}
