using ActorRec.Actors;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Sharding;

namespace ActorRec.Cluster.Tests.Sharding.Runtime;

/// <summary>The sharding protocol's wire format: every message survives a round trip; bad payloads are Malformed, not crashes.</summary>
public sealed class ShardingSerializersTests : IAsyncLifetime
{
    private readonly ActorSystem _system = ActorSystem.Create("actorrec");
    private MessageSerializerRegistry _registry = null!;

    public Task InitializeAsync()
    {
        RemoteActorRefProvider? provider = null;
        var builder = new MessageSerializerRegistryBuilder().AddRemoting();
        new ShardingSerializers(() => provider).Register(builder);
        CounterEntity.Register(builder);
        _registry = builder.Build();
        provider = new RemoteActorRefProvider(_system, _registry);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    public static TheoryData<object> Messages() =>
    [
        new ShardHomeMessage("user", 7, "a", 3, false, null),
        new ShardHomeMessage("user", 7, "b", 4, true, "a"),
        new ShardBarrierMessage(5, 9, "c"),
        new GetShardHomeMessage("video", 255, "b"),
        new ShardReleasedMessage("video", 1, 2, "a"),
        new CoordinatorCommand("move", "user", 3, "b"),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Records_round_trip(object message) => Assert.Equal(message, RoundTrip(message));

    [Fact]
    public void Lists_and_nested_entity_messages_round_trip()
    {
        var envelope = Assert.IsType<RegionEnvelope>(RoundTrip(new RegionEnvelope("u1", new Add("s", 42))));
        Assert.Equal(("u1", new Add("s", 42)), (envelope.EntityId, envelope.Message));

        var begin = Assert.IsType<BeginHandoffMessage>(RoundTrip(new BeginHandoffMessage("user", 2, "a", 5, ["a", "b", "c"])));
        Assert.Equal(("user", 2, "a", 5L), (begin.TypeName, begin.Shard, begin.Owner, begin.Epoch));
        Assert.Equal(["a", "b", "c"], begin.Regions);

        var reply = Assert.IsType<CoordinatorReply>(RoundTrip(new CoordinatorReply(
            [new ShardRecord(1, "a", 2, ShardStatus.HandingOff, "b", 7), new ShardRecord(3, "c", 1, ShardStatus.Allocated, null, 1)],
            [new ShardMove("user", 1, "a", "b")])));
        Assert.Equal(new ShardRecord(1, "a", 2, ShardStatus.HandingOff, "b", 7), reply.Shards[0]);
        Assert.Equal(new ShardRecord(3, "c", 1, ShardStatus.Allocated, null, 1), reply.Shards[1]);
        Assert.Equal(new ShardMove("user", 1, "a", "b"), Assert.Single(reply.Moves));

        var counts = Assert.IsType<ShardCounts>(RoundTrip(new ShardCounts("a", [1, 4], [10, 2])));
        Assert.Equal("a", counts.Node);
        Assert.Equal([1, 4], counts.Shards);
        Assert.Equal([10, 2], counts.Counts);
        Assert.Same(GetShardCounts.Instance, RoundTrip(GetShardCounts.Instance));
    }

    [Fact]
    public void Truncated_or_padded_payloads_and_unknown_inner_manifests_are_malformed()
    {
        Assert.True(_registry.TrySerialize(new ShardHomeMessage("user", 7, "a", 3, false, null), out var manifest, out var payload));
        var bytes = payload.ToByteArray();
        Assert.Equal(DeserializeStatus.Malformed, _registry.TryDeserialize(manifest, bytes.AsSpan(0, bytes.Length - 3), out _, out var cut));
        Assert.Contains("truncated", cut!.Message);
        Assert.Equal(DeserializeStatus.Malformed, _registry.TryDeserialize(manifest, [.. bytes, 1], out _, out var padded));
        Assert.Contains("trailing", padded!.Message);

        Assert.True(_registry.TrySerialize(new RegionEnvelope("u1", new Add("s", 1)), out var envelopeManifest, out var envelope));
        var tampered = envelope.ToByteArray();
        var at = Array.IndexOf(tampered, (byte)'t'); // first byte of the inner manifest "test.add"
        tampered[at] = (byte)'x';
        Assert.Equal(DeserializeStatus.Malformed, _registry.TryDeserialize(envelopeManifest, tampered, out _, out var unknown));
        Assert.Contains("unknown manifest", unknown!.Message);
    }

    [Fact]
    public void An_entity_message_without_a_serializer_cannot_be_enveloped() =>
        Assert.Throws<UnregisteredMessageTypeException>(() => _registry.TrySerialize(new RegionEnvelope("u1", new object()), out _, out _));

    private object RoundTrip(object message)
    {
        Assert.True(_registry.TrySerialize(message, out var manifest, out var payload));
        Assert.Equal(DeserializeStatus.Ok, _registry.TryDeserialize(manifest, payload.Span, out var back, out var error));
        Assert.Null(error);
        return back!;
    }
}
