using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Tests.Support;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Tests.Reranking;

public sealed class FeedRerankerTests
{
    private static readonly DateTimeOffset T = TestWorld.Start;

    /// <summary>20 videos: v0..v9 by creator "big" (topic a), v10..v19 by ten different creators (topics b and c).</summary>
    private static readonly ExplorationSettings NoExploration = new() { Share = 0, NewUserShare = 0 };

    private static TestWorld World(RerankSettings? rerank = null, ExplorationSettings? exploration = null, float mmrLambda = 1f)
    {
        var settings = FeedSettings.Create(rerank: rerank ?? new RerankSettings()) with
        {
            Exploration = exploration ?? NoExploration,
            Diversity = new MmrSettings { MmrLambda = mmrLambda },
        };
        var w = new TestWorld(settings.Validate());
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
        var w = World(new RerankSettings { MaxPerCreatorInWindow = 5, MaxPerTopicInWindow = 5 });
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
        Assert.Equal(1f * expectedFactor - 1f, adj.Delta, 5);
        Assert.Equal(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"topic fatigue 5, creator fatigue 5: score x{expectedFactor:0.###}"), adj.Detail);
    }

    [Fact]
    public void Cap_and_mmr_notes_are_formatted_when_read()
    {
        var w = World(mmrLambda: 0.3f);
        var feed = w.Pipeline.Reranker.Rerank(Set(w), 12);
        var held = feed.Items.SelectMany(i => i.Adjustments).First(a => a.Kind == "diversity");
        Assert.Matches("^held back at position [0-9]+ by the (creator|topic) cap$", held.Detail);
        foreach (var mmr in feed.Items.SelectMany(i => i.Adjustments).Where(a => a.Kind == "mmr"))
        {
            Assert.Matches("^placed at position [0-9]+ ahead of higher-scored v[0-9]+: similarity to the feed so far ", mmr.Detail);
        }

        // A second feed on the same thread reuses the scratch arrays and gives the same order.
        var again = w.Pipeline.Reranker.Rerank(Set(w), 12);
        Assert.Equal(feed.Items.Select(i => i.VideoId), again.Items.Select(i => i.VideoId));
    }

    [Fact]
    public void Exploration_slots_take_new_videos_deterministically()
    {
        // A third of 9 positions for a new user: slots at positions 3, 6 and 9.
        var w = World(new RerankSettings { MaxPerCreatorInWindow = 10, MaxPerTopicInWindow = 10 }, new ExplorationSettings { Share = 0, NewUserShare = 1.0 / 3 });
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
        Assert.Equal(3, a.Summary!.ExplorationSlots);
    }

    [Fact]
    public void A_new_user_explores_more_and_the_share_converges_as_events_arrive()
    {
        var w = World(new RerankSettings { MaxPerCreatorInWindow = 10, MaxPerTopicInWindow = 10 }, new ExplorationSettings { Share = 0.1, NewUserShare = 0.5, NewUserHalfLifeEvents = 10 });
        static RetrievalSource Src(int i) => i >= 10 ? RetrievalSource.ColdStart : RetrievalSource.Embedding;
        int Explored(long events)
        {
            var set = Set(w, 3, Src);
            set.UserEvents = events;
            return w.Pipeline.Reranker.Rerank(set, 10).Items.Count(i => i.Adjustments.Any(a => a.Kind == "exploration"));
        }

        Assert.Equal(5, Explored(0));
        Assert.Equal(3, Explored(10));
        Assert.Equal(1, Explored(1_000));
    }

    [Fact]
    public void Thompson_sampling_prefers_the_new_video_that_completes()
    {
        var w = World(new RerankSettings { MaxPerCreatorInWindow = 10, MaxPerTopicInWindow = 10 }, new ExplorationSettings { Share = 0.1, NewUserShare = 0.1 });
        var good = w.Videos["v12"];
        var bad = w.Videos["v13"];
        for (var i = 0; i < 40; i++)
        {
            good.Apply(w.Event("x", "v12", InteractionType.View, T, watchMs: 15_000), new float[w.Settings.EmbeddingDim]);
            bad.Apply(w.Event("x", "v13", InteractionType.View, T, watchMs: 1_000), new float[w.Settings.EmbeddingDim]);
        }

        w.Catalog.Upsert(good);
        w.Catalog.Upsert(bad);
        static RetrievalSource Src(int i) => i is 12 or 13 ? RetrievalSource.ColdStart : RetrievalSource.Embedding;
        var wins = Enumerable.Range(0, 40).Count(seed => w.Pipeline.Reranker.Rerank(Set(w, (ulong)seed, Src), 10).Items[9].VideoId == "v12");
        Assert.True(wins >= 36, $"the completing video won {wins} of 40 exploration slots");
    }

    [Fact]
    public void Mmr_places_a_different_video_before_a_near_duplicate_and_raises_intra_list_diversity()
    {
        // v10..v19 are by different creators; v10 and v12 share topic b, so their content embeddings are close.
        var caps = new RerankSettings { MaxPerCreatorInWindow = 10, MaxPerTopicInWindow = 10 };
        CandidateSet Close(TestWorld w)
        {
            var set = new CandidateSet("u1", new float[w.Settings.EmbeddingDim], T, "US", 1);
            foreach (var (id, score) in new[] { ("v10", 1.0f), ("v12", 0.99f), ("v14", 0.98f), ("v11", 0.9f) })
            {
                w.Catalog.TryGetRow(id, out var row);
                set.Add(row, RetrievalSource.Embedding, 0f);
                set[set.Count - 1].Score = score;
            }

            return set;
        }

        var plain = World(caps);
        var relevance = plain.Pipeline.Reranker.Rerank(Close(plain), 2);
        Assert.Equal(["v10", "v12"], relevance.Items.Select(i => i.VideoId));

        var diverse = World(caps, mmrLambda: 0.3f);
        var mmr = diverse.Pipeline.Reranker.Rerank(Close(diverse), 2);
        Assert.Equal("v10", mmr.Items[0].VideoId);
        Assert.Equal("v11", mmr.Items[1].VideoId);
        Assert.Contains(mmr.Items[1].Adjustments, a => a.Kind == "mmr");
        Assert.True(mmr.Summary!.IntraListDiversity > relevance.Summary!.IntraListDiversity,
            $"ILD {mmr.Summary.IntraListDiversity:0.###} with MMR vs {relevance.Summary.IntraListDiversity:0.###} without");
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
