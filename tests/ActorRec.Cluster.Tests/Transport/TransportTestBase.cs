using System.Net;
using System.Net.Sockets;
using ActorRec.Cluster.Tests.Support;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;
using Google.Protobuf;

namespace ActorRec.Cluster.Tests.Transport;

public abstract class TransportTestBase : IAsyncLifetime
{
    public const string Secret = "correct horse battery staple";
    private readonly List<ClusterTransport> _transports = [];

    public static ClusterSettings Settings(string node, string secret = Secret, int port = 0) => new ClusterSettings
    {
        NodeName = node,
        Hostname = "127.0.0.1",
        BindHost = "127.0.0.1",
        Port = port,
        Secret = secret,
        ReconnectMinBackoff = TimeSpan.FromMilliseconds(50),
        ReconnectMaxBackoff = TimeSpan.FromMilliseconds(400),
    }.Validate();

    protected (ClusterTransport Transport, RecordingHandler Handler) Start(ClusterSettings settings, TimeProvider? time = null, ListLogger? logger = null, long incarnation = 1)
    {
        var handler = new RecordingHandler();
        var transport = new ClusterTransport(settings, incarnation, handler, logger, time);
        transport.Start();
        _transports.Add(transport);
        return (transport, handler);
    }

    protected static RemoteEnvelope Envelope(int i, int payloadBytes = 8) => new()
    {
        Sender = "/user/sender",
        Recipient = "/user/target-" + i,
        Manifest = "test.msg",
        Payload = ByteString.CopyFrom(BitConverter.GetBytes(i).Concat(new byte[Math.Max(0, payloadBytes - 4)]).ToArray()),
        CorrelationId = (ulong)i,
    };

    protected static int IndexOf(RemoteEnvelope e) => BitConverter.ToInt32(e.Payload.Span[..4]);

    /// <summary>A loopback port with nothing listening on it (bound then released).</summary>
    protected static int UnusedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var t in _transports)
        {
            await t.DisposeAsync();
        }
    }
}
