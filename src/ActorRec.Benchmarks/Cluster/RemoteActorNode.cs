using System.Buffers.Binary;
using ActorRec.Actors;
using ActorRec.Cluster;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Benchmarks.Cluster;

/// <summary>The one-way message: 16 bytes of payload, serialized once (its payload bytes are a constant).</summary>
public sealed class BenchMessage
{
    private BenchMessage()
    {
    }

    public static BenchMessage Instance { get; } = new();

    internal static ByteString Payload { get; } = ByteString.CopyFrom(new byte[16]);
}

/// <summary>Counter → driver: this many one-way messages arrived so far.</summary>
public sealed record BenchAck(long Count);

/// <summary>Ping-pong and ask request; the echo answers with the same instance type.</summary>
public sealed record BenchPing(int Id);

/// <summary>
/// One node of the remote benchmark: an actor system, a cluster transport on loopback and a remote-ref provider,
/// without membership (two nodes that know each other's address need none). Both processes build it the same way.
/// </summary>
public sealed class RemoteActorNode : IAsyncDisposable, ITransportHandler
{
    public const string Secret = "actorrec-bench-remote-secret";

    private readonly InboundMessageDispatcher _dispatcher;

    private RemoteActorNode(string name)
    {
        System = ActorSystem.Create("bench");
        Remote = new RemoteActorRefProvider(System, Registry);
        _dispatcher = new InboundMessageDispatcher(Registry, Remote, NullLogger.Instance);
        var settings = new ClusterSettings
        {
            NodeName = name,
            Hostname = "127.0.0.1",
            BindHost = "127.0.0.1",
            Port = 0,
            Secret = Environment.GetEnvironmentVariable("ACTORREC_CLUSTER_SECRET") ?? Secret,
            OutboundQueueSize = 1_000_000,
            WriteBatchBytes = 256 * 1024,
        };
        Transport = new ClusterTransport(settings, Environment.TickCount64, this);
        Remote.Attach(Transport);
        Transport.Start();
    }

    public static MessageSerializerRegistry Registry { get; } = new MessageSerializerRegistryBuilder()
        .AddRemoting()
        .Register<BenchMessage>("bench.msg", _ => BenchMessage.Payload, _ => BenchMessage.Instance)
        .Register<BenchAck>("bench.ack", a => Int64(a.Count), p => new BenchAck(BinaryPrimitives.ReadInt64LittleEndian(p)))
        .Register<BenchPing>("bench.ping", p => Int64(p.Id), p => new BenchPing((int)BinaryPrimitives.ReadInt64LittleEndian(p)))
        .Build();

    public ActorSystem System { get; }

    public RemoteActorRefProvider Remote { get; }

    public ClusterTransport Transport { get; }

    public string Address => Transport.Self.Address;

    public static RemoteActorNode Start(string name) => new(name);

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync().ConfigureAwait(false);
        await System.Terminate().ConfigureAwait(false);
    }

    void ITransportHandler.OnEnvelope(PeerIdentity from, RemoteEnvelope envelope) => _dispatcher.Dispatch(from, envelope);

    void ITransportHandler.OnEnvelope(PeerIdentity from, in InboundEnvelope envelope) => _dispatcher.Dispatch(from, envelope);

    void ITransportHandler.OnHeartbeat(PeerIdentity from, Heartbeat heartbeat)
    {
    }

    void ITransportHandler.OnGossip(PeerIdentity from, long tableVersion)
    {
    }

    void ITransportHandler.OnPeerConnected(PeerIdentity peer)
    {
    }

    void ITransportHandler.OnPeerDisconnected(PeerIdentity peer)
    {
    }

    private static ByteString Int64(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return ByteString.CopyFrom(bytes);
    }
}

/// <summary>
/// Peer side: counts one-way messages and acknowledges every <see cref="AckEvery"/>th to the sender; a
/// <see cref="BenchPing"/> resets the count (before each run) and is echoed.
/// </summary>
public sealed class CounterActor : ActorBase
{
    public const int AckEvery = 10_000;
    private long _count;

    protected override bool Receive(object message)
    {
        if (ReferenceEquals(message, BenchMessage.Instance))
        {
            if (++_count % AckEvery == 0)
            {
                Sender?.Tell(new BenchAck(_count), Self);
            }

            return true;
        }

        if (message is BenchPing reset)
        {
            _count = 0;
            Sender?.Tell(reset, Self);
            return true;
        }

        return false;
    }
}

/// <summary>Peer side: answers every ping to its sender.</summary>
public sealed class EchoActor : ActorBase
{
    protected override bool Receive(object message)
    {
        Sender?.Tell(message, Self);
        return true;
    }
}
