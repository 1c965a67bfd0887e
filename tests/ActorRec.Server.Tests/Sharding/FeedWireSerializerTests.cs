using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;
using ActorRec.Server.Sharding;

namespace ActorRec.Server.Tests.Sharding;

/// <summary>Every message the feed sends to user and video entities, and every reply, survives the wire.</summary>
public sealed class FeedWireSerializerTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static (MessageSerializerRegistry Registry, FeedPipeline Pipeline, VideoCatalog Catalog) Create()
    {
        var pipeline = FeedPipeline.CreateDefault(FeedSettings.Default, out var catalog);
        var context = new FeedWireContext { Pipeline = pipeline };
        return (new MessageSerializerRegistryBuilder().AddRemoting().AddFeedMessages(context).Build(), pipeline, catalog);
    }

    private static T RoundTrip<T>(MessageSerializerRegistry registry, T message)
        where T : notnull
    {
        Assert.True(registry.TrySerialize(message, out var manifest, out var payload), $"{typeof(T).Name} is not registered");
        Assert.Equal(DeserializeStatus.Ok, registry.TryDeserialize(manifest, payload.Span, out var back, out var error));
        Assert.Null(error);
        return Assert.IsType<T>(back);
    }

    private static InteractionEvent Event(string id, string user = "u1", string video = "v1") =>
        new(id, InteractionType.View, user, video, At, 4_000, 10_000, 1, "us", "ios");

    private static VideoUpload Upload(float[]? embedding = null) => new("c1", 10_000, ["cats", "fun"], "a cat", "s9", "us", embedding);

    [Fact]
    public void Entity_batches_and_their_replies_carry_registered_messages_through_the_nodes_registry()
    {
        var pipeline = FeedPipeline.CreateDefault(FeedSettings.Default, out _);
        var context = new FeedWireContext { Pipeline = pipeline };
        var registry = new MessageSerializerRegistryBuilder().AddRemoting().AddFeedMessages(context).Build();
        context.Registry = registry;
        var batch = RoundTrip(registry, new EntityBatch("video", ["v1", "v2"], [GetState.Instance, new EntityFailure("x")], TimeSpan.FromMilliseconds(4_800)));
        Assert.Equal(("video", TimeSpan.FromMilliseconds(4_800)), (batch.TypeName, batch.Budget));
        Assert.Equal(["v1", "v2"], batch.EntityIds);
        Assert.Same(GetState.Instance, batch.Messages[0]);
        Assert.Equal(new EntityFailure("x"), batch.Messages[1]);

        var reply = RoundTrip(registry, new EntityBatchReply([
            new EntityBatchResult(new EventsApplied(2, 1), null, false),
            new EntityBatchResult(null, "shard 3 is handing off", true),
            new EntityBatchResult(null, "did not answer within 4.8 s", false),
        ]));
        Assert.Equal(new EntityBatchResult(new EventsApplied(2, 1), null, false), reply.Results[0]);
        Assert.Equal(new EntityBatchResult(null, "shard 3 is handing off", true), reply.Results[1]);
        Assert.Equal(new EntityBatchResult(null, "did not answer within 4.8 s", false), reply.Results[2]);

        // A message type the registry does not know cannot ride in a batch.
        Assert.Throws<UnregisteredMessageTypeException>(() => registry.TrySerialize(new EntityBatch("video", ["v1"], [new object()], TimeSpan.FromSeconds(1)), out _, out _));
    }

    [Fact]
    public void User_commands_and_replies_round_trip()
    {
        var (registry, _, _) = Create();
        var dim = FeedSettings.Default.EmbeddingDim;
        var facts = new VideoFacts("v1", "c1", "cats", 10_000, Enumerable.Range(0, dim).Select(i => i * 0.5f).ToArray());
        var apply = new ApplyUserEvents([new UserInteraction(Event("e1"), facts, [1f, 2f, 3f]), new UserInteraction(Event("e2", video: "v2"), facts, [])]);
        var back = RoundTrip(registry, apply);
        Assert.Equal(2, back.Interactions.Count);
        Assert.Equal(apply.Interactions[0].Event, back.Interactions[0].Event);
        Assert.Equal(apply.Interactions[0].Video.Embedding, back.Interactions[0].Video.Embedding);
        Assert.Equal(apply.Interactions[0].Negatives, back.Interactions[0].Negatives);
        Assert.Equal("v2", back.Interactions[1].Event.VideoId);

        var applied = RoundTrip(registry, new UserEventsApplied(1, 1, [[1f, 2f], [3f]], [true, false]));
        Assert.Equal((1, 1), (applied.Applied, applied.Duplicates));
        Assert.Equal([3f], applied.EmbeddingsBefore[1]);
        Assert.Equal([true, false], applied.Fresh);
        Assert.Null(RoundTrip(registry, new UserEventsApplied(0, 2, [[1f], [1f]])).Fresh);

        var retrieve = RoundTrip(registry, new RetrieveCandidates(new FeedRequest(7, "br", At)));
        Assert.Equal(new FeedRequest(7, "br", At), retrieve.Request);
        Assert.Null(RoundTrip(registry, new RetrieveCandidates(new FeedRequest(3, null, At))).Request.Region);
        Assert.Same(GetState.Instance, RoundTrip(registry, GetState.Instance));

        var state = new UserStateDto("u1", 3, 1.5f, 0.5f, ["v1", "v2"], 1, 2, 0, "us", null, 14);
        var stateBack = RoundTrip(registry, state);
        Assert.Equal(state with { RecentVideos = stateBack.RecentVideos }, stateBack);
        Assert.Equal(state.RecentVideos, stateBack.RecentVideos);
        Assert.Equal("bad user", RoundTrip(registry, new EntityFailure("bad user")).Reason);
    }

    [Fact]
    public void Video_commands_and_replies_round_trip()
    {
        var (registry, _, _) = Create();
        var history = new VideoHistory(100, 50, 20, 5, 1, 0.4f, 2.5f, At);
        var upsert = RoundTrip(registry, new UpsertVideo(Upload([0.1f, 0.2f]), At, history));
        Assert.Equal(At, upsert.At);
        Assert.Equal(history, upsert.History);
        Assert.Equal(["cats", "fun"], upsert.Upload.Hashtags);
        Assert.Equal([0.1f, 0.2f], upsert.Upload.ContentEmbedding!);
        Assert.Null(RoundTrip(registry, new UpsertVideo(Upload(), At)).History);

        var events = RoundTrip(registry, new ApplyVideoEvents([new VideoInteraction(Event("e1"), [0.5f, -1f])]));
        Assert.Equal(Event("e1"), events.Interactions[0].Event);
        Assert.Equal([0.5f, -1f], events.Interactions[0].UserEmbedding);
        Assert.Equal(new EventsApplied(3, 4), RoundTrip(registry, new EventsApplied(3, 4)));
        Assert.Equal(new VideoUnknown("v9"), RoundTrip(registry, new VideoUnknown("v9")));

        var dto = new VideoState("v1", Upload(), At, FeedSettings.Default).ToDto();
        var upserted = RoundTrip(registry, new VideoUpserted(true, dto));
        Assert.True(upserted.Created);
        Assert.Equal(dto.VideoId, upserted.State.VideoId);
        Assert.Equal(dto.Hashtags, upserted.State.Hashtags);
        Assert.Equal(dto with { Hashtags = upserted.State.Hashtags }, upserted.State);
        var plain = RoundTrip(registry, dto);
        Assert.Equal(dto with { Hashtags = plain.Hashtags }, plain);
    }

    [Fact]
    public void A_read_copy_carries_the_video_without_its_applied_ids()
    {
        var (registry, _, _) = Create();
        var state = new VideoState("v1", Upload(), At, FeedSettings.Default);
        state.Apply(new VideoInteraction(Event("e1"), new float[FeedSettings.Default.EmbeddingDim]));
        var snapshot = state.ToSnapshot() with { AppliedIds = [], AppliedSeconds = [] };
        var back = RoundTrip(registry, new VideoReadCopy(snapshot)).Snapshot;
        Assert.Equal(snapshot.Embedding, back.Embedding);
        Assert.Equal((snapshot.Views, snapshot.Velocity, snapshot.Stage, snapshot.Moderation), (back.Views, back.Velocity, back.Stage, back.Moderation));
        Assert.Empty(back.AppliedIds);
    }

    [Fact]
    public void A_candidate_set_travels_by_video_key_and_is_rebuilt_on_the_receiver_s_catalog_rows()
    {
        var settings = FeedSettings.Default;
        var sender = Create();
        var receiver = Create();
        // The same videos registered in a different order: rows differ between the two catalogs.
        string[] ids = ["v0", "v1", "v2", "v3"];
        foreach (var id in ids)
        {
            sender.Catalog.Upsert(new VideoState(id, Upload(), At, settings));
        }

        foreach (var id in ids.Reverse().Take(3))
        {
            receiver.Catalog.ApplyReadCopy(new VideoState(id, Upload(), At, settings));
        }

        var set = new CandidateSet("u1", [1f, 2f], At, "us", 99) { StateVersion = 12, UserEvents = 12, Device = "ios", UserEmbedding = [0.3f] };
        set.Filtered.Seen = 4;
        for (var row = 0; row < 4; row++)
        {
            set.Add(row, RetrievalSource.Embedding, row * 0.1f);
            set[row].TopicFatigue = row;
            set[row].FollowedCreator = row == 2;
        }

        Assert.True(sender.Registry.TrySerialize(set, out var manifest, out var payload));
        Assert.Equal(DeserializeStatus.Ok, receiver.Registry.TryDeserialize(manifest, payload.Span, out var message, out _));
        var back = Assert.IsType<CandidateSet>(message);
        Assert.Equal((12L, 12L, "ios", 4, 99UL), (back.StateVersion, back.UserEvents, back.Device, back.Filtered.Seen, back.Seed));
        Assert.Equal([0.3f], back.UserEmbedding!);
        Assert.NotNull(back.Parameters);
        Assert.Equal(3, back.Count); // v0 is not in the receiver's copy yet: left out
        foreach (var c in back.Items)
        {
            var id = receiver.Catalog.Info(c.Row).VideoId;
            var original = int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(original * 0.1f, c.RetrievalScore);
            Assert.Equal(original, c.TopicFatigue);
            Assert.Equal(original == 2, c.FollowedCreator);
        }
    }

    [Fact]
    public void Malformed_payloads_are_reported_as_malformed_and_unregistered_types_are_refused()
    {
        var (registry, _, _) = Create();
        Assert.True(registry.TrySerialize(new ApplyUserEvents([]), out var manifest, out var payload));
        Assert.Equal(DeserializeStatus.Malformed, registry.TryDeserialize(manifest, payload.Span[..2], out _, out var error));
        Assert.IsType<FormatException>(error);
        Assert.Equal(DeserializeStatus.Malformed, registry.TryDeserialize("feed.user-state", "{"u8, out _, out _));
        Assert.False(registry.TrySerialize(new RankFeed(new CandidateSet("u", [], At, "us", 1), new FeedRequest(1, null, At)), out _, out _));

        var unwired = new MessageSerializerRegistryBuilder().AddRemoting().AddFeedMessages(new FeedWireContext()).Build();
        Assert.Equal(DeserializeStatus.Malformed, unwired.TryDeserialize("feed.candidate-set", [0], out _, out var notReady));
        Assert.Contains("not running yet", notReady!.Message, StringComparison.Ordinal);
    }
}
