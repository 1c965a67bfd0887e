using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Users;
using Xunit.Abstractions;

namespace ActorRec.Recommender.Tests.Users;

public sealed class UserStateTests(ITestOutputHelper output)
{
    private static readonly FeedSettings Settings = FeedSettings.Default;
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static VideoFacts Facts(string id, string creator = "c1", string topic = "cats")
    {
        var e = new float[Settings.EmbeddingDim];
        var h = StableHash.Key(id);
        for (var i = 0; i < e.Length; i++)
        {
            e[i] = ((h >> (i % 64)) & 1) == 0 ? 0.125f : -0.125f;
        }

        return new VideoFacts(id, creator, topic, 10_000, e);
    }

    private static InteractionEvent Ev(string id, InteractionType type, string video, DateTimeOffset at, long watchMs = 9_000) =>
        new(id, type, "u1", video, at, watchMs, 10_000, 0, "DE", "android");

    [Fact]
    public void Same_event_id_twice_changes_nothing()
    {
        var u = new UserState("u1", Settings);
        var e = Ev("e1", InteractionType.Like, "v1", T);
        Assert.True(u.Apply(e, Facts("v1"), []));
        var embedding = u.EmbeddingToArray();
        var session = new float[Settings.EmbeddingDim];
        u.CopySession(T, session);
        Assert.False(u.Apply(e, Facts("v1"), []));
        Assert.False(u.Apply(e with { Type = InteractionType.Skip }, Facts("v1"), []));
        Assert.Equal(1, u.EventCount);
        Assert.Equal(embedding, u.EmbeddingToArray());
        var session2 = new float[Settings.EmbeddingDim];
        u.CopySession(T, session2);
        Assert.Equal(session, session2);
        Assert.Equal(1, u.RecentCount);
        Assert.True(u.HasApplied("e1"));
    }

    [Fact]
    public void Context_seen_recent_and_follows()
    {
        var u = new UserState("u1", Settings);
        u.Apply(Ev("e1", InteractionType.View, "v1", T.AddHours(3)), Facts("v1"), []);
        u.Apply(Ev("e2", InteractionType.Follow, "v1", T.AddHours(3)), Facts("v1"), []);
        u.Apply(Ev("e3", InteractionType.Skip, "v2", T.AddHours(3)), Facts("v2", "c2"), []);
        Assert.Equal("DE", u.Region);
        Assert.Equal("android", u.Device);
        Assert.Equal(13, u.Hour);
        Assert.True(u.HasSeen(DomainKeys.Video("v1")));
        Assert.True(u.HasSeen(DomainKeys.Video("v2")));
        Assert.False(u.HasSeen(DomainKeys.Video("v3")));
        Assert.Equal(1, u.RecentCount);
        Assert.Equal(DomainKeys.Video("v1"), u.RecentVideo(0));
        Assert.True(u.IsFollowing(DomainKeys.Creator("c1")));
        Assert.False(u.IsFollowing(DomainKeys.Creator("c2")));
        Assert.Equal(3, u.EventCount);
    }

    [Fact]
    public void Not_interested_blocks_the_video_and_mutes_the_topic_on_repeat()
    {
        var u = new UserState("u1", Settings);
        u.Apply(Ev("e1", InteractionType.NotInterested, "v1", T), Facts("v1", topic: "pranks"), []);
        Assert.True(u.IsBlocked(DomainKeys.Video("v1")));
        Assert.False(u.IsMuted(DomainKeys.Topic("pranks")));
        u.Apply(Ev("e2", InteractionType.NotInterested, "v2", T), Facts("v2", topic: "pranks"), []);
        Assert.True(u.IsMuted(DomainKeys.Topic("pranks")));
        Assert.Equal(2, u.BlockedVideoCount);
        Assert.Equal(1, u.MutedTopicCount);
    }

    [Fact]
    public void Fatigue_counts_exposures_and_decays()
    {
        var u = new UserState("u1", Settings);
        for (var i = 0; i < 4; i++)
        {
            u.Apply(Ev($"e{i}", InteractionType.View, $"v{i}", T), Facts($"v{i}", "c7", "cats"), []);
        }

        var topic = DomainKeys.Topic("cats");
        Assert.Equal(4f, u.TopicFatigue(topic, T), 3);
        Assert.Equal(4f, u.CreatorFatigue(DomainKeys.Creator("c7"), T), 3);
        Assert.Equal(2f, u.TopicFatigue(topic, T + Settings.User.FatigueHalfLife), 3);
        Assert.Equal(0f, u.TopicFatigue(DomainKeys.Topic("dogs"), T));
    }

    [Fact]
    public void Session_vector_follows_recent_positives_and_decays()
    {
        var u = new UserState("u1", Settings);
        var facts = Facts("v1");
        u.Apply(Ev("e1", InteractionType.Share, "v1", T), facts, []);
        var s = new float[Settings.EmbeddingDim];
        u.CopySession(T, s);
        var dot = s.Zip(facts.Embedding, (a, b) => a * b).Sum();
        Assert.True(dot > 0);
        var later = new float[Settings.EmbeddingDim];
        u.CopySession(T + Settings.User.SessionHalfLife, later);
        Assert.Equal(dot / 2, later.Zip(facts.Embedding, (a, b) => a * b).Sum(), 3);

        var q = new float[Settings.EmbeddingDim];
        u.BuildQuery(T, 0.5f, q);
        var un = MathF.Sqrt(u.EmbeddingToArray().Sum(x => x * x));
        var sn = MathF.Sqrt(s.Sum(x => x * x));
        var expected = u.EmbeddingToArray().Select((x, i) => (0.5f * x / un) + (0.5f * s[i] / sn)).ToArray();
        var en = MathF.Sqrt(expected.Sum(x => x * x));
        for (var i = 0; i < q.Length; i++)
        {
            Assert.Equal(expected[i] / en, q[i], 5);
        }
    }

    [Fact]
    public void A_re_sent_event_within_the_horizon_is_not_applied_twice_however_many_events_came_between()
    {
        var u = new UserState("u1", Settings);
        var between = Settings.User.IdempotencyWindow * 4;
        Assert.True(u.Apply(Ev("e0", InteractionType.View, "v1", T), Facts("v1"), []));
        for (var i = 1; i <= between; i++)
        {
            Assert.True(u.Apply(Ev($"e{i}", InteractionType.View, "v1", T.AddSeconds(i)), Facts("v1"), []));
        }

        Assert.True(u.HasApplied("e0"));
        Assert.False(u.Apply(Ev("e0", InteractionType.View, "v1", T), Facts("v1"), []));
        Assert.Equal(between + 1, u.EventCount);

        // The snapshot carries the seconds, so the restored user still recognises it.
        var restored = UserState.FromSnapshot(u.ToSnapshot(), Settings);
        Assert.False(restored.Apply(Ev("e0", InteractionType.View, "v1", T), Facts("v1"), []));
        Assert.Equal(between + 1, restored.EventCount);
    }

    [Fact]
    public void Past_the_horizon_only_the_last_window_event_ids_are_remembered()
    {
        var u = new UserState("u1", Settings);
        var w = Settings.User.IdempotencyWindow;
        var step = Settings.User.IdempotencyHorizon + TimeSpan.FromSeconds(1);
        for (var i = 0; i <= w; i++)
        {
            u.Apply(Ev($"e{i}", InteractionType.View, "v1", T + (step * i)), Facts("v1"), []);
        }

        Assert.False(u.HasApplied("e0"));
        Assert.True(u.HasApplied("e1"));
        Assert.True(u.HasApplied($"e{w}"));
    }

    [Fact]
    public void Wrong_user_or_video_is_rejected()
    {
        var u = new UserState("u1", Settings);
        Assert.Throws<ArgumentException>(() => u.Apply(Ev("e", InteractionType.View, "v1", T) with { UserId = "u2" }, Facts("v1"), []));
        Assert.Throws<ArgumentException>(() => u.Apply(Ev("e", InteractionType.View, "v1", T), Facts("v2"), []));
        Assert.Equal(0, u.EventCount);
    }

    [Fact]
    public void Resident_user_fits_the_memory_budget()
    {
        var (allocated, retained) = UserStateFootprint.Measure(Settings, users: 10_000, eventsPerUser: 40);
        output.WriteLine($"bytes per user: allocated at creation {allocated:0}, retained after 40 events {retained:0}");
        Assert.True(allocated <= 2048, $"allocated {allocated:0} bytes per user");
    }
}
