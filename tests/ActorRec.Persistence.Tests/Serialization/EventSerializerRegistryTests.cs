using ActorRec.Persistence.Serialization;

namespace ActorRec.Persistence.Tests.Serialization;

public sealed class EventSerializerRegistryTests
{
    // Version 1 of a "liked" event carried only the video id; version 2 adds the watch time before the like.
    private sealed record LikedV1(string VideoId);

    private sealed record Liked(string VideoId, int WatchMs);

    private static EventSerializerRegistry V1() => new EventSerializerRegistry()
        .Register<LikedV1>("video.liked", 1, static (w, e) => w.Write(e.VideoId), static r => new LikedV1(r.ReadString()));

    /// <summary>The documented evolution path: bump the version, keep reading old bytes through an upcaster.</summary>
    private static EventSerializerRegistry V2() => new EventSerializerRegistry()
        .Register<Liked>("video.liked", 2, static (w, e) =>
        {
            w.Write(e.VideoId);
            w.Write(e.WatchMs);
        }, static r => new Liked(r.ReadString(), r.ReadInt32()))
        .RegisterUpcaster("video.liked", 1, static old =>
        {
            using var input = new BinaryReader(new MemoryStream(old));
            string video = input.ReadString();
            using var buffer = new MemoryStream();
            using (var output = new BinaryWriter(buffer))
            {
                output.Write(video);
                output.Write(-1);
            }

            return new SerializedPayload("video.liked", 2, buffer.ToArray());
        });

    [Fact]
    public void Round_trips_with_manifest_and_version()
    {
        EventSerializerRegistry registry = V2();
        SerializedPayload payload = registry.Serialize(new Liked("v42", 1234));
        Assert.Equal(("video.liked", 2), (payload.Manifest, payload.Version));
        Assert.Equal(new Liked("v42", 1234), registry.Deserialize(payload.Manifest, payload.Version, payload.Bytes));
    }

    [Fact]
    public void A_v1_event_is_read_as_v2_through_the_upcaster()
    {
        SerializedPayload stored = V1().Serialize(new LikedV1("v7"));
        Assert.Equal(1, stored.Version);
        object current = V2().Deserialize(stored.Manifest, stored.Version, stored.Bytes);
        Assert.Equal(new Liked("v7", -1), current);
    }

    [Fact]
    public void An_unknown_manifest_is_a_clear_error_naming_it()
    {
        UnknownManifestException ex = Assert.Throws<UnknownManifestException>(() => V2().Deserialize("video.shared", 1, [1, 2]));
        Assert.Equal("video.shared", ex.Manifest);
        Assert.Contains("'video.shared'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_version_without_an_upcaster_path_is_a_clear_error()
    {
        EventSerializerRegistry registry = new EventSerializerRegistry()
            .Register<Liked>("video.liked", 3, static (w, e) => w.Write(e.VideoId), static r => new Liked(r.ReadString(), 0));
        UnknownManifestException ex = Assert.Throws<UnknownManifestException>(() => registry.Deserialize("video.liked", 1, [0]));
        Assert.Contains("current schema is version 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_registrations_are_rejected()
    {
        EventSerializerRegistry registry = V2();
        Assert.Throws<ArgumentException>(() => registry.Register<LikedV1>("video.liked", 1, static (_, _) => { }, static _ => new LikedV1("")));
        Assert.Throws<ArgumentException>(() => registry.RegisterUpcaster("video.liked", 1, static b => new SerializedPayload("x", 2, b)));
        Assert.Throws<ArgumentOutOfRangeException>(() => registry.Register<string>("s", 0, static (_, _) => { }, static _ => ""));
        Assert.Throws<ArgumentException>(() => registry.Serialize(42));
    }

    [Fact]
    public void Row_checksum_changes_with_every_covered_field()
    {
        byte[] payload = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        uint baseline = RowChecksum.Compute("p", 1, "m", 1, payload);
        Assert.Equal(baseline, RowChecksum.Compute("p", 1, "m", 1, payload));
        Assert.NotEqual(baseline, RowChecksum.Compute("q", 1, "m", 1, payload));
        Assert.NotEqual(baseline, RowChecksum.Compute("p", 2, "m", 1, payload));
        Assert.NotEqual(baseline, RowChecksum.Compute("p", 1, "n", 1, payload));
        Assert.NotEqual(baseline, RowChecksum.Compute("p", 1, "m", 2, payload));
        Assert.NotEqual(baseline, RowChecksum.Compute("p", 1, "m", 1, payload[..8]));
        Assert.Equal(0xE3069283u, ~RowChecksum.Append(0xFFFFFFFFu, "123456789"u8));
    }
}
