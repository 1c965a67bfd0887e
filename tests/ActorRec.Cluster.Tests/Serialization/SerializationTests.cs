using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Tests.Support;
using ActorRec.Cluster.Tests.Transport;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;
using Google.Protobuf;

namespace ActorRec.Cluster.Tests.Serialization;

public sealed record Greeting(string Text);

public sealed class SerializationTests : TransportTestBase
{
    private static MessageSerializerRegistry Registry() => new MessageSerializerRegistryBuilder()
        .Register<Greeting>("test.greeting", g => ByteString.CopyFromUtf8(g.Text), p => new Greeting(System.Text.Encoding.UTF8.GetString(p)))
        .RegisterProtobuf<Heartbeat>("test.heartbeat")
        .Build();

    [Fact]
    public void Round_trips_registered_types_by_manifest()
    {
        var registry = Registry();
        Assert.True(registry.TrySerialize(new Greeting("hi"), out var manifest, out var payload));
        Assert.Equal("test.greeting", manifest);
        Assert.Equal(DeserializeStatus.Ok, registry.TryDeserialize(manifest, payload.Span, out var message, out _));
        Assert.Equal(new Greeting("hi"), message);

        Assert.True(registry.TrySerialize(new Heartbeat { NodeName = "n", Sequence = 3 }, out manifest, out payload));
        Assert.Equal(DeserializeStatus.Ok, registry.TryDeserialize(manifest, payload.Span, out message, out _));
        Assert.Equal(new Heartbeat { NodeName = "n", Sequence = 3 }, message);
        Assert.Equal("test.heartbeat", registry.ManifestOf(typeof(Heartbeat)));
    }

    [Fact]
    public void Unknown_types_manifests_and_malformed_payloads_are_reported_not_thrown()
    {
        var registry = Registry();
        Assert.False(registry.TrySerialize("a string", out _, out _));
        Assert.Equal(DeserializeStatus.UnknownManifest, registry.TryDeserialize("nope", [], out _, out _));
        Assert.Equal(DeserializeStatus.Malformed, registry.TryDeserialize("test.heartbeat", [0xFF, 0xFF, 0xFF], out _, out var error));
        Assert.IsType<InvalidProtocolBufferException>(error);
    }

    [Fact]
    public void Duplicate_registrations_are_rejected()
    {
        var builder = new MessageSerializerRegistryBuilder().RegisterProtobuf<Heartbeat>("hb");
        Assert.Contains("already registered", Assert.Throws<ArgumentException>(() => builder.RegisterProtobuf<Heartbeat>("hb2")).Message, StringComparison.Ordinal);
        Assert.Contains("'hb'", Assert.Throws<ArgumentException>(() => builder.RegisterProtobuf<Accept>("hb")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => builder.RegisterProtobuf<Accept>(" "));
    }

    [Fact]
    public async Task An_unknown_manifest_from_a_peer_is_logged_dead_lettered_and_the_connection_carries_on()
    {
        var log = new ListLogger();
        var sink = new RecordingSink();
        var dispatcher = new InboundMessageDispatcher(Registry(), sink, log);
        var (a, _) = Start(Settings("a"));
        var (b, bh) = Start(Settings("b"));

        a.Send(b.Self.Address, new RemoteEnvelope { Recipient = "/user/x", Manifest = "not.registered", Payload = ByteString.CopyFromUtf8("?") });
        a.Send(b.Self.Address, new RemoteEnvelope { Recipient = "/user/x", Manifest = "not.registered", Payload = ByteString.CopyFromUtf8("?") });
        a.Send(b.Self.Address, new RemoteEnvelope { Recipient = "/user/y", Sender = "/user/s", Manifest = "test.greeting", Payload = ByteString.CopyFromUtf8("hello"), CorrelationId = 9 });
        for (var i = 0; i < 3; i++)
        {
            var (from, envelope) = await bh.Envelopes.NextAsync();
            dispatcher.Dispatch(from, envelope);
        }

        Assert.Equal(2, dispatcher.DeadLetters);
        Assert.Equal(2, sink.DeadLetters.Count);
        Assert.Contains("unknown manifest 'not.registered'", sink.DeadLetters[0], StringComparison.Ordinal);
        var delivered = Assert.Single(sink.Delivered);
        Assert.Equal(new Greeting("hello"), delivered.Message);
        Assert.Equal(("/user/s", "/user/y", 9UL, "a"), (delivered.Sender, delivered.Recipient, delivered.CorrelationId, delivered.From.NodeName));
        var errors = log.Entries.Where(e => e.EventId == 1301).ToList();
        Assert.Single(errors); // once per manifest at error level, then debug
        Assert.Contains("not.registered", errors[0].Message, StringComparison.Ordinal);
        Assert.Single(log.Entries, e => e.EventId == 1302);
    }

    private sealed class RecordingSink : IRemoteMessageSink
    {
        public List<InboundMessage> Delivered { get; } = [];

        public List<string> DeadLetters { get; } = [];

        public void Deliver(in InboundMessage message) => Delivered.Add(message);

        public void DeadLetter(PeerIdentity from, RemoteEnvelope envelope, string reason) => DeadLetters.Add(reason);
    }
}
