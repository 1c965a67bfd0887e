using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Tests.Support;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Tests.Retrieval;

public sealed class CandidateRetrieverTests
{
    private static readonly DateTimeOffset T = TestWorld.Start;

    private static TestWorld SmallWorld()
    {
        // Quotas large enough that every path reaches every eligible video in this small catalog.
        var settings = FeedSettings.Create(retrieval: new RetrievalSettings { EmbeddingQuota = 5, SimilarQuota = 4, SimilarSeeds = 1, TrendingQuota = 3, FollowingQuota = 3, ColdStartQuota = 50 });
        var w = new TestWorld(settings);
        for (var i = 0; i < 30; i++)
        {
            var topic = i % 3 == 0 ? "cats" : i % 3 == 1 ? "cars" : "cooking";
            var v = w.Upload($"v{i}", $"c{i % 5}", [topic], at: T.AddDays(-1));
            v.SeedHistory(1000, 800, 400, 10, 1, 0.6f, i == 29 ? 50f : 0.1f * i, T);
            w.Catalog.Upsert(v);
        }

        w.Upload("fresh", "c9", ["dance"], at: T.AddMinutes(-5));
        return w;
    }

    [Fact]
    public void Every_path_contributes_with_provenance()
    {
        var w = SmallWorld();
        w.Apply(w.Event("u1", "v3", InteractionType.View, T, watchMs: 15_000));
        w.Apply(w.Event("u1", "v4", InteractionType.Follow, T));
        var user = w.User("u1");
        var set = w.Pipeline.Retriever.Retrieve(user, "US", T.AddMinutes(1));
        var bySource = new Dictionary<RetrievalSource, int>();
        foreach (var c in set.Items.ToArray())
        {
            foreach (var s in RetrievalSources.All)
            {
                if ((c.Sources & s) != 0)
                {
                    bySource[s] = bySource.GetValueOrDefault(s) + 1;
                }
            }
        }

        Assert.Equal(5, bySource[RetrievalSource.Embedding]);
        Assert.True(bySource[RetrievalSource.Similar] >= 1);
        Assert.True(bySource[RetrievalSource.Trending] >= 1);
        Assert.True(bySource[RetrievalSource.Following] >= 1);
        Assert.True(bySource[RetrievalSource.ColdStart] >= 1);

        // v29 has by far the highest velocity: it is trending.
        Assert.True(w.Catalog.TryGetRow("v29", out var hot));
        Assert.Contains(set.Items.ToArray(), c => c.Row == hot && (c.Sources & RetrievalSource.Trending) != 0);
        // The fresh video is in its test audience.
        Assert.True(w.Catalog.TryGetRow("fresh", out var fresh));
        Assert.Contains(set.Items.ToArray(), c => c.Row == fresh && (c.Sources & RetrievalSource.ColdStart) != 0);
        // Following: creator of v4 is c4; its videos v9, v14, ... are candidates with the tag.
        Assert.Contains(set.Items.ToArray(), c => w.Catalog.Info(c.Row).CreatorId == "c4" && (c.Sources & RetrievalSource.Following) != 0 && c.FollowedCreator);
        // The similar path's seed is the latest positive, v4 (the follow; topic cars): its neighbours share the topic.
        Assert.Equal(DomainKeys.Video("v4"), user.RecentVideo(0));
        foreach (var c in set.Items.ToArray())
        {
            if (c.Sources == RetrievalSource.Similar)
            {
                Assert.Equal("cars", w.Catalog.Info(c.Row).Topic);
            }
        }

        // No duplicates.
        Assert.Equal(set.Count, set.Items.ToArray().Select(c => c.Row).Distinct().Count());
    }

    [Fact]
    public void Seen_blocked_muted_and_moderated_videos_are_filtered()
    {
        var w = SmallWorld();
        w.Apply(w.Event("u1", "v0", InteractionType.View, T, watchMs: 15_000));
        w.Apply(w.Event("u1", "v1", InteractionType.NotInterested, T));
        w.Apply(w.Event("u1", "v4", InteractionType.NotInterested, T));
        var removed = w.Videos["v2"];
        removed.SetModeration(ModerationState.Removed);
        w.Catalog.Upsert(removed);
        var review = w.Videos["v29"];
        review.SetModeration(ModerationState.UnderReview);
        w.Catalog.Upsert(review);

        var user = w.User("u1");
        Assert.True(user.IsMuted(DomainKeys.Topic("cars")));
        var settings = FeedSettings.Create(retrieval: new RetrievalSettings { EmbeddingQuota = 100, TrendingQuota = 100, ColdStartQuota = 100 });
        var retriever = new CandidateRetriever(w.Catalog, new ExactIndexOver(w), new DecayedVelocityTrending(w.Catalog, settings), settings);
        var set = retriever.Retrieve(user, "US", T);
        var ids = set.Items.ToArray().Select(c => w.Catalog.Info(c.Row).VideoId).ToHashSet();
        Assert.DoesNotContain("v0", ids);
        Assert.DoesNotContain("v1", ids);
        Assert.DoesNotContain("v2", ids);
        Assert.DoesNotContain("v29", ids);
        Assert.DoesNotContain(ids, id => w.Videos[id].Topic == "cars");
        Assert.Contains("v3", ids);
        Assert.True(set.Filtered.Seen > 0);
        Assert.True(set.Filtered.Muted > 0);
    }

    [Fact]
    public void Trending_is_cached_until_the_refresh_interval()
    {
        var w = SmallWorld();
        var trending = new DecayedVelocityTrending(w.Catalog, w.Settings);
        var rows = new int[5];
        var vel = new float[5];
        Assert.Equal(5, trending.Top("US", T, rows, vel));
        Assert.True(w.Catalog.TryGetRow("v29", out var hot));
        Assert.Equal(hot, rows[0]);
        var cold = w.Videos["v1"];
        cold.Apply(new InteractionEvent("x", InteractionType.Share, "u", "v1", T, 0, 0, 0), new float[w.Settings.EmbeddingDim]);
        for (var i = 0; i < 40; i++)
        {
            cold.Apply(new InteractionEvent($"x{i}", InteractionType.Follow, "u", "v1", T, 0, 0, 0), new float[w.Settings.EmbeddingDim]);
        }

        w.Catalog.Upsert(cold);
        Assert.True(w.Catalog.TryGetRow("v1", out var risen));
        trending.Top("US", T.AddSeconds(1), rows, vel);
        Assert.Equal(hot, rows[0]);
        trending.Top("US", T + w.Settings.Retrieval.TrendingRefresh, rows, vel);
        Assert.Equal(risen, rows[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Embedding_path_searches_narrow_first_and_wide_only_when_the_filters_leave_too_few(bool viewedNeighbours)
    {
        var w = SmallWorld();
        if (viewedNeighbours)
        {
            // Viewing cats videos pulls the query towards them: the nearest rows are then seen and filtered.
            foreach (var id in new[] { "v0", "v3", "v6", "v9" })
            {
                w.Apply(w.Event("u1", id, InteractionType.View, T, watchMs: 15_000));
            }
        }
        else
        {
            w.Apply(w.Event("u1", "v1", InteractionType.Comment, T));
        }

        var settings = FeedSettings.Create(retrieval: new RetrievalSettings
        {
            EmbeddingQuota = 4, Oversample = 2, EmbeddingFirstOversample = 1.25f, SimilarQuota = 0, TrendingQuota = 0, FollowingQuota = 0,
            ColdStartQuota = 0, CoEngagedQuota = 0,
        });
        var index = new ExactIndexOver(w);
        var retriever = new CandidateRetriever(w.Catalog, index, new DecayedVelocityTrending(w.Catalog, settings), settings);
        var user = w.User("u1");
        var set = retriever.Retrieve(user, "US", T.AddMinutes(1));
        var asked = index.Asked.ToArray();

        // What one wide search would have given: the first 4 unseen rows of the exact ranking.
        var ranking = new int[w.Catalog.Count];
        var n = index.Search(set.Query, ranking.Length, ranking, new float[ranking.Length]);
        var expected = new List<int>();
        var seenBefore = 0;
        for (var i = 0; i < n && expected.Count < 4; i++)
        {
            if (user.HasSeen(w.Catalog.Info(ranking[i]).VideoKey))
            {
                seenBefore++;
            }
            else
            {
                expected.Add(ranking[i]);
            }
        }

        Assert.Equal(expected.Order(), set.Items.ToArray().Select(c => c.Row).Order());
        Assert.Equal(seenBefore, set.Filtered.Seen);
        if (viewedNeighbours)
        {
            Assert.True(seenBefore > 1, "the scenario must filter more than the first search's margin");
            Assert.Equal([5, 8], asked);
        }
        else
        {
            Assert.True(seenBefore <= 1, "one filtered row still leaves the quota in the first search");
            Assert.Equal([5], asked);
        }
    }

    /// <summary>A second exact index built from the catalog (tests the retriever against any IVideoIndex).</summary>
    private sealed class ExactIndexOver : IVideoIndex
    {
        private readonly ExactVideoIndex _inner;

        public ExactIndexOver(TestWorld w)
        {
            _inner = new ExactVideoIndex(w.Settings.EmbeddingDim);
            for (var r = 0; r < w.Catalog.Count; r++)
            {
                if (w.Catalog.Info(r).Moderation == ModerationState.Approved)
                {
                    _inner.Upsert(r, w.Catalog.Row(r));
                }
            }
        }

        public int Dimension => _inner.Dimension;

        public void Upsert(int row, ReadOnlySpan<float> embedding) => _inner.Upsert(row, embedding);

        public void Remove(int row) => _inner.Remove(row);

        /// <summary>The k of every search so far.</summary>
        public List<int> Asked { get; } = [];

        public int Search(ReadOnlySpan<float> query, int k, Span<int> rows, Span<float> scores)
        {
            Asked.Add(k);
            return _inner.Search(query, k, rows, scores);
        }
    }
}
