using ActorRec.Persistence.Snapshots;
using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Tests.Entities;

public sealed class UserVideoActorTests
{
    [Fact]
    public async Task First_registration_creates_the_video_and_a_second_updates_it()
    {
        await using var node = new EntityNode();
        var upload = new VideoUpload("c1", 15_000, ["cats"], "a cat", "s1", "US");
        var first = node.Await(node.Engine.PutVideoAsync("v1", upload));
        var second = node.Await(node.Engine.PutVideoAsync("v1", upload with { DurationMs = 20_000 }));

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(20_000, second.State.DurationMs);
        Assert.Equal(2, node.Highest("video/v1"));
        Assert.True(node.Engine.Catalog.TryGetRow("v1", out var row));
        Assert.Equal(20_000, node.Engine.Catalog.Info(row).DurationMs);
    }

    [Fact]
    public async Task Events_are_journaled_then_applied_and_duplicates_are_acknowledged_without_applying()
    {
        await using var node = new EntityNode();
        node.PutVideo("v1", "cats");
        node.PutVideo("v2", "dogs");
        var e1 = node.View("e1", "u1", "v1");
        var e2 = node.View("e2", "u1", "v2", watchMs: 2_000);

        var first = node.Ingest(e1, e2);
        var again = node.Ingest(e1, e2, e1);

        Assert.Equal((2, 2), (first.Accepted, first.Applied));
        Assert.Equal((3, 0), (again.Accepted, again.Applied));
        Assert.Equal(2, node.Highest("user/u1"));
        Assert.Equal(2, node.Highest("video/v1"));
        var user = node.Await(node.Engine.GetUserAsync("u1"));
        Assert.NotNull(user);
        Assert.Equal(2, user.EventCount);
        var video = node.Await(node.Engine.GetVideoAsync("v1"));
        Assert.NotNull(video);
        Assert.Equal(1, video.EventCount);
        Assert.Equal(1, video.Views);
    }

    [Fact]
    public async Task A_batch_re_sent_after_hundreds_of_newer_events_and_a_passivation_is_not_applied_twice()
    {
        // More newer events of the same user and video than either keeps by count (24 and 256): a client retrying a
        // timed-out batch while the user is busy. The ids stay known by time (the horizon), also across a snapshot.
        await using var node = new EntityNode(passivateAfter: TimeSpan.FromMinutes(1));
        node.PutVideo("v1", "cats");
        var retried = new[] { node.View("r1", "u1", "v1"), node.View("r2", "u1", "v1", 4_000) };
        Assert.Equal(2, node.Ingest(retried).Applied);
        const int newer = 300;
        for (var b = 0; b < newer / 10; b++)
        {
            node.Kit.Advance(TimeSpan.FromSeconds(1)); // 30 s of newer events: within the horizon, past any single second
            node.Ingest([.. Enumerable.Range(0, 10).Select(i => node.View($"n{(b * 10) + i}", "u1", "v1"))]);
        }

        Assert.Equal((2, 0), (node.Ingest(retried).Accepted, node.Ingest(retried).Applied));

        node.Kit.Advance(TimeSpan.FromMinutes(2));
        node.Kit.AwaitCondition(() => node.Await(node.Engine.GetRegionStatsAsync(node.Engine.Users)).Entities == 0, what: "user passivated");
        Assert.Equal(0, node.Ingest(retried).Applied);

        Assert.Equal(2 + newer, node.Await(node.Engine.GetUserAsync("u1"))!.EventCount);
        Assert.Equal(2 + newer, node.Await(node.Engine.GetVideoAsync("v1"))!.EventCount);
        Assert.Equal(2 + newer, node.Highest("user/u1"));
        Assert.Equal(1 + 2 + newer, node.Highest("video/v1"));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(100)]
    public async Task An_id_repeated_inside_one_new_batch_is_applied_once_by_the_user_and_the_video(int distinct)
    {
        await using var node = new EntityNode();
        node.PutVideo("v1", "cats");
        var events = new List<InteractionEvent>();
        for (var i = 0; i < distinct; i++)
        {
            events.Add(node.View($"e{i}", "u1", "v1"));
        }

        events.Add(node.View("e0", "u1", "v1"));
        events.Add(node.View($"e{distinct - 1}", "u1", "v1"));

        var result = node.Ingest([.. events]);

        Assert.Equal((distinct + 2, distinct), (result.Accepted, result.Applied));
        Assert.Equal(distinct, node.Highest("user/u1"));
        Assert.Equal(1 + distinct, node.Highest("video/v1")); // its registration, then each event once
        var video = node.Await(node.Engine.GetVideoAsync("v1"));
        Assert.NotNull(video);
        Assert.Equal(distinct, video.EventCount);
    }

    [Fact]
    public async Task Entities_sharing_their_regions_props_take_their_ids_from_their_names_even_with_reserved_characters()
    {
        await using var node = new EntityNode();
        const string video = "v/1 ?#%";
        const string user = "u/1 a%2F";
        node.PutVideo(video, "cats");

        var result = node.Ingest(node.View("e1", user, video));

        Assert.Equal((1, 1), (result.Accepted, result.Applied));
        Assert.Equal(1, node.Highest("user/" + user));
        Assert.Equal(2, node.Highest("video/" + video));
        var state = node.Await(node.Engine.GetUserAsync(user));
        Assert.NotNull(state);
        Assert.Equal(user, state.UserId);
        Assert.Equal(1, state.EventCount);
    }

    [Fact]
    public async Task An_unknown_video_rejects_the_whole_batch_naming_the_event()
    {
        await using var node = new EntityNode();
        node.PutVideo("v1", "cats");

        var result = node.Ingest(node.View("e1", "u1", "v1"), node.View("e2", "u1", "nope"));

        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal("events[1].videoId", error.Field);
        Assert.Equal(0, node.Highest("user/u1"));
        Assert.Null(node.Await(node.Engine.GetUserAsync("u1")));
    }

    [Fact]
    public async Task Video_learning_is_published_to_the_catalog()
    {
        await using var node = new EntityNode();
        node.PutVideo("v1", "cats");
        Assert.True(node.Engine.Catalog.TryGetRow("v1", out var row));
        var before = node.Engine.Catalog.Row(row).ToArray();

        node.Ingest(node.View("e1", "u1", "v1"));

        Assert.NotEqual(before, node.Engine.Catalog.Row(row).ToArray());
        Assert.Equal(1, node.Engine.Catalog.Stats(row, node.Now, TimeSpan.FromHours(1)).Views);
    }

    [Fact]
    public async Task Idle_entities_are_passivated_on_virtual_time_with_a_snapshot_and_recover_the_same_state()
    {
        await using var node = new EntityNode(passivateAfter: TimeSpan.FromMinutes(1));
        node.PutVideo("v1", "cats");
        node.Ingest(node.View("e1", "u1", "v1"), node.View("e2", "u1", "v1", 3_000));
        var before = node.Await(node.Engine.GetUserAsync("u1"))!;
        Assert.Equal(1, node.Await(node.Engine.GetRegionStatsAsync(node.Engine.Users)).Entities);

        node.Kit.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, node.Await(node.Engine.GetRegionStatsAsync(node.Engine.Users)).Entities);
        node.Kit.Advance(TimeSpan.FromSeconds(50));
        node.Kit.AwaitCondition(() => node.Await(node.Engine.GetRegionStatsAsync(node.Engine.Users)).Entities == 0, what: "user passivated");

        var stats = node.Await(node.Engine.GetRegionStatsAsync(node.Engine.Users));
        Assert.Equal(1, stats.Passivated);
        var snapshot = node.Await(node.Snapshots.LoadLatestAsync("user/u1", SnapshotSelectionCriteria.Latest));
        Assert.NotNull(snapshot);
        Assert.Equal(2, snapshot.SequenceNr);

        var after = node.Await(node.Engine.GetUserAsync("u1"))!;
        Assert.Equal(before.EventCount, after.EventCount);
        Assert.Equal(before.EmbeddingNorm, after.EmbeddingNorm);
        Assert.Equal(before.SessionNorm, after.SessionNorm);
    }

    [Fact]
    public async Task A_snapshot_is_taken_every_n_events()
    {
        await using var node = new EntityNode(snapshotEvery: 2);
        node.PutVideo("v1", "cats");
        node.Ingest(node.View("e1", "u1", "v1"));
        Assert.Null(node.Await(node.Snapshots.LoadLatestAsync("user/u1", SnapshotSelectionCriteria.Latest)));

        node.Ingest(node.View("e2", "u1", "v1"));
        node.Ingest(node.View("e3", "u1", "v1"));

        node.Kit.AwaitCondition(
            () => node.Await(node.Snapshots.LoadLatestAsync("user/u1", SnapshotSelectionCriteria.Latest)) is { SequenceNr: 2 },
            what: "snapshot at sequence 2");
    }

    [Fact]
    public async Task Messages_for_a_passivating_entity_wait_for_its_next_incarnation()
    {
        await using var node = new EntityNode(passivateAfter: TimeSpan.FromMinutes(1));
        node.PutVideo("v1", "cats");
        node.Ingest(node.View("e1", "u1", "v1"));

        // Time moves while actors run: the passivation and the next ingest race; either order must keep the event.
        node.Kit.Time.Advance(TimeSpan.FromMinutes(2));
        var result = node.Ingest(node.View("e2", "u1", "v1"));

        Assert.Equal(1, result.Applied);
        Assert.Equal(2, node.Await(node.Engine.GetUserAsync("u1"))!.EventCount);
        Assert.Equal(2, node.Highest("user/u1"));
    }
}
