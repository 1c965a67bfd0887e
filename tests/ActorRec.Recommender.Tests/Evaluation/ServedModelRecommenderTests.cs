using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Evaluation;
using ActorRec.Recommender.Users;

namespace ActorRec.Recommender.Tests.Evaluation;

public sealed class ServedModelRecommenderTests
{
    [Fact]
    public void Fans_of_A_who_then_liked_B_make_B_the_top_pick_for_a_new_fan_of_A()
    {
        // 40 users rate A then B highly, 80 others rate C (twice as popular as B) alone; a new user rates A: the
        // served co-engagement feature ranks B first, where popularity alone would pick C.
        const int a = 7, b = 23, c = 31, users = 121;
        var model = new ServedModelRecommender(userCount: users, itemCount: 50, StrengthKind.Rating);
        var t = 1_000L;
        for (var u = 0; u < 40; u++)
        {
            model.Observe(new Interaction(u, a, t += 1_000, true, 5f));
            model.Observe(new Interaction(u, b, t += 1_000, true, 5f));
            model.Observe(new Interaction(40 + u, c, t += 1_000, true, 5f));
            model.Observe(new Interaction(80 + u, c, t += 1_000, true, 5f));
        }

        model.Observe(new Interaction(users - 1, a, t += 1_000, true, 5f));
        model.AdvanceTo(t + 1_000);
        Span<int> top = stackalloc int[3];
        var n = model.TopK(users - 1, 3, new HashSet<int> { a }, top);
        Assert.Equal(3, n);
        Assert.Equal(b, top[0]);
        Assert.Equal(c, top[1]);
    }

    [Fact]
    public void The_user_vector_it_learns_is_the_one_a_UserState_learns_from_the_same_events()
    {
        // The adapter must run the served transition, not a copy: replaying its events through a fresh UserState
        // with the same video facts and negatives gives the same embedding bit for bit. With no negatives the
        // negatives cannot differ, so the comparison isolates the user step.
        var settings = new FeedSettings { Learning = new LearningSettings { NegativeSamples = 0 } };
        var model = new ServedModelRecommender(userCount: 1, itemCount: 3, StrengthKind.Rating, settings);
        var reference = new UserState("u0", settings);
        var videos = new Recommender.Videos.VideoState[3];
        for (var i = 0; i < 3; i++)
        {
            videos[i] = new Recommender.Videos.VideoState("v" + i, new VideoUpload("creator-v" + i, 10_000, [], string.Empty, null, string.Empty), DateTimeOffset.UnixEpoch, settings);
        }

        var events = new[] { new Interaction(0, 1, 1_000, true, 5f), new Interaction(0, 2, 2_000, false, 2f), new Interaction(0, 1, 3_000, true, 4f) };
        var before = new float[settings.EmbeddingDim];
        for (var t = 0; t < events.Length; t++)
        {
            model.Observe(events[t]);
            var e = events[t];
            var watch = e.Strength >= 4f ? 10_000 : 500;
            var ev = new InteractionEvent("eval-" + t, InteractionType.View, "u0", "v" + e.Item, DateTimeOffset.FromUnixTimeMilliseconds(e.Timestamp), watch, 10_000);
            reference.CopyEmbedding(before);
            reference.Apply(ev, videos[e.Item].ToFacts(), []);
            videos[e.Item].Apply(ev, before);
        }

        var expected = new float[settings.EmbeddingDim];
        reference.CopyEmbedding(expected);
        Assert.Equal(expected, model.UserEmbedding(0).ToArray());
    }

    [Fact]
    public void It_learns_two_taste_groups_that_popularity_cannot_tell_apart()
    {
        // Users 0..99 watch items 0..19 to the end, users 100..199 items 20..39; both halves are equally popular.
        // With the served learning rates (user 0.08, video 0.02) the groups separate within ~40 events per user.
        var random = new Random(5);
        var list = new List<Interaction>();
        long t = 0;
        for (var round = 0; round < 40; round++)
        {
            for (var u = 0; u < 200; u++)
            {
                var item = (u < 100 ? 0 : 20) + random.Next(20);
                list.Add(new Interaction(u, item, t += 60_000, true, 5f));
            }
        }

        var data = new InteractionDataset("groups", [.. list], Enumerable.Range(0, 200).Select(i => (long)i).ToArray(), Enumerable.Range(0, 40).Select(i => (long)i).ToArray());
        var report = PrequentialEvaluator.Run(data, [new ServedModelRecommender(200, 40, StrengthKind.Rating), new PopularityRecommender(40)]);

        var served = report.Models["actorrec"];
        var popularity = report.Models["popularity"];
        Assert.True(served.HitRate10 > popularity.HitRate10 + 0.2, report.ToTable());
    }

    [Fact]
    public void Replays_are_deterministic()
    {
        var random = new Random(9);
        var events = new Interaction[400];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = new Interaction(random.Next(20), random.Next(50), i * 1000L, random.Next(3) > 0, random.Next(1, 6));
        }

        var data = new InteractionDataset("random", events, Enumerable.Range(0, 20).Select(i => (long)i).ToArray(), Enumerable.Range(0, 50).Select(i => (long)i).ToArray());
        var a = PrequentialEvaluator.Run(data, [new ServedModelRecommender(20, 50, StrengthKind.Rating)]);
        var b = PrequentialEvaluator.Run(data, [new ServedModelRecommender(20, 50, StrengthKind.Rating)]);
        Assert.Equal(a.ToJson(), b.ToJson());
    }
}
