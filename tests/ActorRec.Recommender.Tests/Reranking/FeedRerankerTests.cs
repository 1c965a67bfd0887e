using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Tests.Support;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Tests.Reranking;

public sealed class FeedRerankerTests
{
    private static readonly DateTimeOffset T = TestWorld.Start;

    /// <summary>20 videos: v0..v9 by creator "big" (topic a), v10..v19 by ten different creators (topics b and c).</summary>
    private static TestWorld World(RerankSettings? rerank = null)
    {
        var w = new TestWorld(FeedSettings.Create(rerank: rerank ?? new RerankSettings { ExplorationEvery = 0 }));
        for (var i = 0; i < 20; i++)
        {
            w.Upload($"v{i}", i < 10 ? "big" : $"c{i}", [i < 10 ? "a" : i % 2 == 0 ? "b" : "c"]);
        }

        return w;
    }

    private static CandidateSet Set(TestWorld w, ulong seed = 1, Func<int, RetrievalSource>? source = null)
    {
        var set = new CandidateSet("u1", new float[w.Settings.EmbeddingDim], T, "US", seed);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(w.Catalog.TryGetRow($"v{i}", out var row));
            set.Add(row, source?.Invoke(i) ?? RetrievalSource.Embedding, 0f);
            set[set.Count - 1].Score = 1f - (i * 0.01f); // the big creator's videos score highest
        }

        return set;
    }

    [Fact]
    public void Creator_and_topic_caps_hold_in_every_window()
    {
        var w = World();
        var feed = w.Pipeline.Reranker.Rerank(Set(w), 12);
        Assert.Equal(12, feed.Items.Count);
        Assert.Equal("v0", feed.Items[0].VideoId);
        var window = w.Settings.Rerank.DiversityWindow;
        for (var p = 0; p < feed.Items.Count; p++)
        {
            var from = Math.Max(0, p - window + 1);
            var slice = feed.Items.Skip(from).Take(p - from + 1).Select(i => w.Videos[i.VideoId]).ToList();
            Assert.True(slice.GroupBy(v => v.CreatorId).Max(g => g.Count()) <= w.Settings.Rerank.MaxPerCreatorInWindow, $"creator cap at {p}");
            Assert.True(slice.GroupBy(v => v.Topic).Max(g => g.Count()) <= w.Settings.Rerank.MaxPerTopicInWindow, $"topic cap at {p}");
        }

        Assert.Contains(feed.Items, i => i.Adjustments.Any(a => a.Kind == "diversity"));
    }

    [Fact]
    public void Caps_are_relaxed_only_when_nothing_else_is_left()
    {
        var w = World();
        var set = new CandidateSet("u1", new float[w.Settings.EmbeddingDim], T, "US", 1);
        for (var i = 0; i < 3; i++)
        {
            w.Catalog.TryGetRow($"v{i}", out var row);
            set.Add(row, RetrievalSource.Embedding, 0f);
            set[i].Score = 1f - i;
        }

        var feed = w.Pipeline.Reranker.Rerank(set, 3);
        Assert.Equal(["v0", "v1", "v2"], feed.Items.Select(i => i.VideoId));
        Assert.Contains(feed.Items[1].Adjustments, a => a.Kind == "cap_relaxed");
    }

    [Fact]
    public void Fatigue_lowers_scores_and_is_explained()
    {
        var w = World(new RerankSettings { ExplorationEvery = 0, MaxPerCreatorInWindow = 5, MaxPerTopicInWindow = 5 });
        var set = Set(w);
        set[0].TopicFatigue = 5f;
        set[0].CreatorFatigue = 5f;
        var feed = w.Pipeline.Reranker.Rerank(set, 20);
        var tired = feed.Items.Single(i => i.VideoId == "v0");
        var r = w.Settings.Rerank;
        var expectedFactor = 1f - (r.MaxFatiguePenalty * (1f - MathF.Exp(-((r.TopicFatigueWeight * 5) + (r.CreatorFatigueWeight * 5)))));
        Assert.Equal(1f * expectedFactor, tired.Score, 5);
        var adj = Assert.Single(tired.Adjustments);
        Assert.Equal("fatigue", adj.Kind);
        Assert.True(adj.Delta < 0);
        Assert.NotEqual("v0", feed.Items[0].VideoId);
    }

    [Fact]
    public void Exploration_slots_take_new_videos_deterministically()
    {
        var w = World(new RerankSettings { ExplorationEvery = 3, MaxPerCreatorInWindow = 10, MaxPerTopicInWindow = 10 });
        static RetrievalSource Src(int i) => i >= 12 ? RetrievalSource.ColdStart : RetrievalSource.Embedding;
        var a = w.Pipeline.Reranker.Rerank(Set(w, 7, Src), 9);
        var b = w.Pipeline.Reranker.Rerank(Set(w, 7, Src), 9);
        Assert.Equal(a.Items.Select(i => i.VideoId), b.Items.Select(i => i.VideoId));
        foreach (var p in new[] { 2, 5, 8 })
        {
            Assert.True((a.Items[p].Sources & RetrievalSource.ColdStart) != 0, $"position {p + 1}");
            Assert.Contains(a.Items[p].Adjustments, x => x.Kind == "exploration");
        }

        Assert.Equal(["v0", "v1", "v2", "v3", "v4", "v5"], a.Items.Where((_, p) => (p + 1) % 3 != 0).Select(i => i.VideoId));
        var picks = Enumerable.Range(0, 20).Select(seed => w.Pipeline.Reranker.Rerank(Set(w, (ulong)seed, Src), 3).Items[2].VideoId).Distinct().Count();
        Assert.True(picks > 1, "different seeds explore different videos");
    }

    [Fact]
    public void Videos_moderated_after_retrieval_are_dropped()
    {
        var w = World();
        var set = Set(w);
        var v = w.Videos["v0"];
        v.SetModeration(ModerationState.Removed);
        w.Catalog.Upsert(v);
        var feed = w.Pipeline.Reranker.Rerank(set, 20);
        Assert.DoesNotContain(feed.Items, i => i.VideoId == "v0");
        Assert.Equal(1, feed.Filtered.Moderated);
    }
}
