using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Tests.Entities;

/// <summary>
/// Snapshot schemas across versions: the current ones carry the event second of every applied id, and snapshots
/// written before that (user v1, video v2) still restore, their ids dated at the snapshot's newest event.
/// </summary>
public sealed class SnapshotSchemaTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private static readonly FeedSettings Settings = FeedSettings.Default;

    private static InteractionEvent View(string id, DateTimeOffset at) =>
        new(id, InteractionType.View, "u1", "v1", at, 9_000, 15_000, 0, "US", "ios");

    private static VideoFacts Facts() => new("v1", "c1", "cats", 15_000, new float[Settings.EmbeddingDim]);

    [Fact]
    public void A_user_snapshot_round_trips_its_applied_ids_with_their_seconds()
    {
        var registry = EntitySerializers.CreateRegistry();
        var user = new UserState("u1", Settings);
        for (var i = 0; i < 40; i++)
        {
            user.Apply(View($"e{i}", T.AddSeconds(i)), Facts(), []);
        }

        var payload = registry.Serialize(user.ToSnapshot());
        var back = (UserSnapshot)registry.Deserialize(payload.Manifest, payload.Version, payload.Bytes);

        Assert.Equal(2, payload.Version);
        Assert.Equal(user.ToSnapshot().AppliedIds, back.AppliedIds);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => AppliedIds.SecondOf(T.AddSeconds(i))), back.AppliedSeconds!);
        Assert.True(UserState.FromSnapshot(back, Settings).HasApplied("e0"));
    }

    [Fact]
    public void A_version_1_user_snapshot_restores_with_its_ids_dated_at_its_last_event()
    {
        var registry = EntitySerializers.CreateRegistry();
        var user = new UserState("u1", Settings);
        for (var i = 0; i < 10; i++)
        {
            user.Apply(View($"e{i}", T.AddSeconds(i)), Facts(), []);
        }

        // Version 1 is version 2 without the trailing seconds array (an Int32 length, here 0).
        var v2 = registry.Serialize(user.ToSnapshot() with { AppliedSeconds = [] }).Bytes;
        var v1 = v2[..^4];
        var back = (UserSnapshot)registry.Deserialize(EntitySerializers.UserSnapshotManifest, 1, v1);

        Assert.Empty(back.AppliedSeconds!);
        Assert.Equal(10, back.AppliedIds.Length);
        var restored = UserState.FromSnapshot(back, Settings);
        Assert.True(restored.HasApplied("e0"));
        Assert.False(restored.Apply(View("e0", T), Facts(), []));
        Assert.Equal(10, restored.EventCount);
    }

    [Fact]
    public void A_version_2_video_snapshot_restores_with_its_ids_and_a_version_3_one_keeps_their_seconds()
    {
        var registry = EntitySerializers.CreateRegistry();
        var video = new VideoState("v1", new VideoUpload("c1", 15_000, ["cats"], "cats", "s1", "US"), T, Settings);
        var embedding = new float[Settings.EmbeddingDim];
        for (var i = 0; i < 300; i++)
        {
            video.Apply(View($"e{i}", T.AddSeconds(i)), embedding);
        }

        var current = registry.Serialize(video.ToSnapshot());
        var v3 = (VideoSnapshot)registry.Deserialize(current.Manifest, current.Version, current.Bytes);
        Assert.Equal(3, current.Version);
        Assert.Equal(300, v3.AppliedSeconds!.Length);
        Assert.False(VideoState.FromSnapshot(v3, Settings).Apply(View("e0", T), embedding));

        var v2 = registry.Serialize(video.ToSnapshot() with { AppliedSeconds = [] }).Bytes[..^4];
        var old = (VideoSnapshot)registry.Deserialize(EntitySerializers.VideoSnapshotManifest, 2, v2);
        Assert.Empty(old.AppliedSeconds!);
        Assert.Equal(v3.AppliedIds, old.AppliedIds);
        Assert.True(VideoState.FromSnapshot(old, Settings).HasApplied(StableHash.Key("event:", "e0")));
    }
}
