using ActorRec.Persistence.Journal;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Tests.Entities;

/// <summary>
/// The compact journal encoding of interaction vectors (version 2) and the upcasting of version-1 journals: encoding
/// never changes a value, the ingest path applies exactly what it journals, and an old journal still recovers.
/// </summary>
public sealed class CompactJournalTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static float[] RandomVector(Random random, int n, float scale)
    {
        var v = new float[n];
        for (var i = 0; i < n; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1) * scale;
        }

        return v;
    }

    private static (float[] Decoded, int Bytes) RoundTrip(float[] v)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            JournalVectors.Write(w, v);
        }

        var bytes = (int)stream.Length;
        stream.Position = 0;
        using var r = new BinaryReader(stream);
        return (JournalVectors.Read(r), bytes);
    }

    [Theory]
    [InlineData(0.001f)]
    [InlineData(0.1f)]
    [InlineData(3f)]
    [InlineData(1000f)]
    public void Rounded_vectors_are_stored_compactly_and_decode_bit_for_bit(float scale)
    {
        var random = new Random(7);
        var int8 = RandomVector(random, 64, scale);
        var original = int8.ToArray();
        JournalVectors.RoundToInt8(int8);
        var (decoded, bytes) = RoundTrip(int8);
        Assert.Equal(4 + 1 + 1 + 64, bytes);
        Assert.Equal(int8, decoded);
        var max = original.Max(MathF.Abs);
        for (var i = 0; i < original.Length; i++)
        {
            Assert.True(MathF.Abs(original[i] - int8[i]) <= max / 127f, $"element {i}: {original[i]} rounded to {int8[i]}");
        }

        var again = int8.ToArray();
        JournalVectors.RoundToInt8(again);
        Assert.Equal(int8, again);

        var half = RandomVector(random, 64, scale);
        JournalVectors.RoundToHalf(half);
        (decoded, bytes) = RoundTrip(half);
        Assert.True(bytes <= 4 + 1 + (2 * 64), $"{bytes} bytes");
        Assert.Equal(half, decoded);
    }

    [Fact]
    public void Vectors_that_fit_no_compact_form_stay_float_and_exact()
    {
        var v = RandomVector(new Random(3), 64, 1f);
        v[5] = 1e-30f;
        var (decoded, bytes) = RoundTrip(v);
        Assert.Equal(4 + 1 + (4 * 64), bytes);
        Assert.Equal(v, decoded);

        float[] special = [0f, -0f, float.NaN, float.PositiveInfinity, 65504f * 4];
        (decoded, _) = RoundTrip(special);
        for (var i = 0; i < special.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(special[i]), BitConverter.SingleToInt32Bits(decoded[i]));
        }

        (decoded, bytes) = RoundTrip(new float[8]);
        Assert.Equal(new float[8], decoded);
        Assert.Equal(4 + 1 + 1 + 8, bytes);
    }

    [Fact]
    public void The_interaction_journal_is_under_40_percent_of_version_1()
    {
        var random = new Random(11);
        var e = new InteractionEvent("e1", InteractionType.View, "u1", "v1", T, 12_000, 15_000, 0, "US", "ios");
        var interaction = FeedEngine.CompactInteraction(e, new VideoFacts("v1", "c1", "cats", 15_000, RandomVector(random, 64, 0.2f)),
            RandomVector(random, 4 * 64, 0.2f));
        var registry = EntitySerializers.CreateRegistry();
        var v2 = registry.Serialize(interaction);
        var v1 = EntitySerializers.WriteVersion1(interaction);
        Assert.Equal(2, v2.Version);
        Assert.True(v2.Bytes.Length * 5 <= v1.Length * 2, $"version 2 {v2.Bytes.Length} bytes, version 1 {v1.Length}");

        var back = (UserInteraction)registry.Deserialize(EntitySerializers.UserInteractionManifest, 2, v2.Bytes);
        Assert.Equal(interaction.Video.Embedding, back.Video.Embedding);
        Assert.Equal(interaction.Negatives, back.Negatives);
        var upcast = (UserInteraction)registry.Deserialize(EntitySerializers.UserInteractionManifest, 1, v1);
        Assert.Equal(interaction.Negatives, upcast.Negatives);
        Assert.Equal(interaction.Event, upcast.Event);
    }

    [Fact]
    public async Task A_version_1_journal_recovers_the_same_user_state()
    {
        var random = new Random(5);
        var settings = FeedSettings.Default;
        var dim = settings.EmbeddingDim;
        var facts = new VideoFacts("v1", "c1", "cats", 15_000, RandomVector(random, dim, 0.3f));
        var expected = new UserState("u1", settings);
        var userRows = new List<PersistentRepr>();
        var registry = EntitySerializers.CreateRegistry();
        await using var node = new EntityNode();
        node.PutVideo("v1", "cats");
        for (var i = 0; i < 6; i++)
        {
            // Full-precision floats, as version-1 journals hold them (not representable in the compact forms).
            var e = new InteractionEvent($"old-{i}", i == 3 ? InteractionType.Like : InteractionType.View, "u1", "v1", T.AddSeconds(i * 10), 9_000 + i, 15_000, 0, "US", "ios");
            var interaction = new UserInteraction(e, facts, RandomVector(random, settings.Learning.NegativeSamples * dim, 0.3f));
            var userBefore = expected.EmbeddingToArray();
            Assert.True(expected.Apply(interaction));
            userRows.Add(new PersistentRepr("user/u1", i + 1, EntitySerializers.UserInteractionManifest, 1, EntitySerializers.WriteVersion1(interaction), 0));
            var video = (VideoInteraction)registry.Deserialize(EntitySerializers.VideoInteractionManifest, 1,
                EntitySerializers.WriteVersion1(new VideoInteraction(e, userBefore)));
            Assert.Equal(userBefore, video.UserEmbedding);
            Assert.Equal(e, video.Event);
        }

        // u1 has never been started: its actor recovers from these rows on its first message.
        await node.Journal.WriteAsync(new AtomicWrite(userRows));
        var user = node.Await(node.Engine.GetUserAsync("u1"))!;
        var want = expected.ToDto(_ => "v1");
        Assert.Equal(6, user.EventCount);
        Assert.Equal(want.EmbeddingNorm, user.EmbeddingNorm);
        Assert.Equal(want.SessionNorm, user.SessionNorm);
        Assert.Equal(want.RecentVideos, user.RecentVideos);

        var replayed = new UserState("u1", settings);
        await foreach (var repr in node.Journal.ReplayAsync("user/u1", 1, long.MaxValue, long.MaxValue))
        {
            Assert.True(replayed.Apply((UserInteraction)registry.Deserialize(repr.Manifest, repr.SchemaVersion, repr.Payload)));
        }

        Assert.Equal(expected.EmbeddingToArray(), replayed.EmbeddingToArray());

        // New events after the old ones are journaled in version 2 and applied on top of the recovered state.
        node.Ingest(node.View("new-1", "u1", "v1"));
        Assert.Equal(7, node.Await(node.Engine.GetUserAsync("u1"))!.EventCount);
        Assert.Equal(7, node.Highest("user/u1"));
    }

    [Fact]
    public async Task Ingested_events_replay_from_the_journal_to_the_identical_state()
    {
        await using var node = new EntityNode();
        node.PutVideo("v1", "cats");
        node.PutVideo("v2", "dogs", "c2");
        node.Ingest(node.View("e1", "u1", "v1"), node.View("e2", "u1", "v2", 2_000), node.View("e3", "u1", "v1", 9_000));
        var registry = EntitySerializers.CreateRegistry();
        var replayed = new UserState("u1", FeedSettings.Default);
        var rows = 0;
        await foreach (var repr in node.Journal.ReplayAsync("user/u1", 1, long.MaxValue, long.MaxValue))
        {
            Assert.Equal(2, repr.SchemaVersion);
            Assert.True(replayed.Apply((UserInteraction)registry.Deserialize(repr.Manifest, repr.SchemaVersion, repr.Payload)));
            rows++;
        }

        Assert.Equal(3, rows);
        var live = node.Await(node.Engine.GetUserAsync("u1"))!;
        var dto = replayed.ToDto(_ => null);
        Assert.Equal(live.EmbeddingNorm, dto.EmbeddingNorm);
        Assert.Equal(live.SessionNorm, dto.SessionNorm);
        Assert.Equal(live.EventCount, dto.EventCount);
    }
}
