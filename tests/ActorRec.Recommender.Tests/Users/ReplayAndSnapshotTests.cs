using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Learning;
using ActorRec.Recommender.Tests.Support;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Tests.Users;

public sealed class ReplayAndSnapshotTests
{
    private static readonly DateTimeOffset T = TestWorld.Start;

    /// <summary>Runs a mixed session against a world and returns what the actors would have journaled.</summary>
    private static (TestWorld World, List<UserInteraction> UserJournal, Dictionary<string, List<VideoInteraction>> VideoJournals) Session()
    {
        var w = TestWorld.WithDemo(300);
        var userJournal = new List<UserInteraction>();
        var videoJournals = new Dictionary<string, List<VideoInteraction>>();
        var types = new[] { InteractionType.View, InteractionType.Like, InteractionType.Skip, InteractionType.Follow, InteractionType.NotInterested, InteractionType.Share, InteractionType.Comment };
        var user = w.User("u1");
        for (var i = 0; i < 60; i++)
        {
            var videoId = $"v{(i * 7) % 300}";
            var e = w.Event("u1", videoId, types[i % types.Length], T.AddSeconds(i * 17), watchMs: 1_000 * (i % 20), replays: i % 9 == 0 ? 1 : 0);
            w.Catalog.TryGetRow(videoId, out var row);
            var journaled = new UserInteraction(e, w.Videos[videoId].ToFacts(), NegativeSampler.Sample(w.Catalog, e.IdKey, row, 4));
            var before = user.EmbeddingToArray();
            Assert.True(user.Apply(journaled));
            userJournal.Add(journaled);
            var vj = new VideoInteraction(e, before);
            Assert.True(w.Videos[videoId].Apply(vj));
            w.Catalog.Upsert(w.Videos[videoId]);
            (videoJournals.TryGetValue(videoId, out var list) ? list : videoJournals[videoId] = []).Add(vj);
            if (i % 10 == 3)
            {
                // A retried event is journaled too (the actor persists before it knows); replay must skip it as well.
                userJournal.Add(journaled);
                Assert.False(user.Apply(journaled));
            }
        }

        return (w, userJournal, videoJournals);
    }

    private static void AssertSame(UserSnapshot a, UserSnapshot b)
    {
        Assert.Equal(a.UserId, b.UserId);
        Assert.Equal(a.EventCount, b.EventCount);
        Assert.Equal(a.LastEventTicks, b.LastEventTicks);
        Assert.Equal((a.Region, a.Device, a.Hour), (b.Region, b.Device, b.Hour));
        Assert.Equal(a.Embedding, b.Embedding);
        Assert.Equal(a.Session, b.Session);
        Assert.Equal(a.SessionAtTicks, b.SessionAtTicks);
        Assert.Equal(a.Recent, b.Recent);
        Assert.Equal(a.CounterKeys, b.CounterKeys);
        Assert.Equal(a.CounterValues, b.CounterValues);
        Assert.Equal(a.SeenWords, b.SeenWords);
        Assert.Equal((a.SeenGeneration, a.SeenCount), (b.SeenGeneration, b.SeenCount));
        Assert.Equal(a.AppliedIds, b.AppliedIds);
        Assert.Equal(a.Relations, b.Relations);
    }

    [Fact]
    public void Replaying_the_user_journal_reproduces_the_state_exactly()
    {
        var (w, journal, _) = Session();
        var replayed = new UserState("u1", w.Settings);
        foreach (var j in journal)
        {
            replayed.Apply(j);
        }

        AssertSame(w.User("u1").ToSnapshot(), replayed.ToSnapshot());
        Assert.Equal(60, replayed.EventCount);
        Assert.True(replayed.FollowCount > 0);
        Assert.True(replayed.BlockedVideoCount > 0);
    }

    [Fact]
    public void Replaying_a_video_journal_reproduces_the_state_exactly()
    {
        var (w, _, videoJournals) = Session();
        foreach (var (videoId, journal) in videoJournals)
        {
            var original = w.Videos[videoId];
            var demo = w.Demo[videoId];
            var replayed = DemoCatalogState(demo, w);
            foreach (var j in journal)
            {
                replayed.Apply(j);
            }

            Assert.Equal(original.Embedding.ToArray(), replayed.Embedding.ToArray());
            Assert.Equal(original.ToDto(), replayed.ToDto() with { Hashtags = original.Upload.Hashtags });
        }
    }

    private static VideoState DemoCatalogState(ActorRec.Recommender.Catalog.DemoVideo demo, TestWorld w) =>
        ActorRec.Recommender.Catalog.DemoCatalog.CreateState(demo, w.Settings);

    [Fact]
    public void Snapshots_round_trip_and_the_restored_state_behaves_the_same()
    {
        var (w, journal, _) = Session();
        var original = w.User("u1");
        var restored = UserState.FromSnapshot(original.ToSnapshot(), w.Settings);
        AssertSame(original.ToSnapshot(), restored.ToSnapshot());
        Assert.Equal(original.FollowCount, restored.FollowCount);
        Assert.Equal(original.MutedTopicCount, restored.MutedTopicCount);

        // The same next event (and a retry of a recent one) does the same to both.
        var next = new UserInteraction(w.Event("u1", "v5", InteractionType.Share, T.AddHours(1)), w.Videos["v5"].ToFacts(), []);
        Assert.Equal(original.Apply(next), restored.Apply(next));
        Assert.Equal(original.Apply(journal[^1]), restored.Apply(journal[^1]));
        AssertSame(original.ToSnapshot(), restored.ToSnapshot());
        Assert.Equal(w.Feed("u1", T.AddHours(1)).Items.Select(i => i.VideoId), w.Pipeline.GetFeed(restored, new ActorRec.Recommender.Reranking.FeedRequest(10, "US", T.AddHours(1))).Items.Select(i => i.VideoId));

        foreach (var v in w.Videos.Values.Take(50))
        {
            var copy = VideoState.FromSnapshot(v.ToSnapshot(), w.Settings);
            Assert.Equal(v.ToDto(), copy.ToDto() with { Hashtags = v.Upload.Hashtags });
            Assert.Equal(v.Embedding.ToArray(), copy.Embedding.ToArray());
            Assert.Equal(v.ToSnapshot().AppliedIds, copy.ToSnapshot().AppliedIds);
        }
    }

    [Fact]
    public void Snapshot_of_another_dimension_is_rejected()
    {
        var snap = new UserState("u", FeedSettings.Default).ToSnapshot();
        Assert.Throws<ArgumentException>(() => UserState.FromSnapshot(snap, FeedSettings.Create(embeddingDim: 32)));
    }
}
