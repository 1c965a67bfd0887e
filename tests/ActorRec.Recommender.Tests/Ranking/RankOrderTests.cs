using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Ranking;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Tests.Support;

namespace ActorRec.Recommender.Tests.Ranking;

/// <summary>The batched catalog reads and the index-only sorts ranking uses give what the row-by-row forms give.</summary>
public sealed class RankOrderTests
{
    [Fact]
    public void Gathered_stats_equal_the_row_by_row_stats()
    {
        var w = TestWorld.WithDemo(300);
        var later = TestWorld.Start.AddHours(3);
        w.Apply(w.Event("u1", "v7", InteractionType.View, later, watchMs: 14_000));
        w.Apply(w.Event("u1", "v9", InteractionType.Like, later.AddSeconds(5)));
        var random = new Random(11);
        var rows = new int[700];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = random.Next(w.Catalog.Count);
        }

        var views = new float[rows.Length];
        var completions = new float[rows.Length];
        var velocity = new float[rows.Length];
        var halfLife = w.Settings.Video.VelocityHalfLife;
        w.Catalog.GatherStats(rows, later.AddMinutes(30), halfLife, views, completions, velocity);

        var withHistory = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            var (v, c, vel) = w.Catalog.Stats(rows[i], later.AddMinutes(30), halfLife);
            Assert.Equal((v, c, vel), (views[i], completions[i], velocity[i]));
            withHistory += v > 0 ? 1 : 0;
        }

        Assert.True(withHistory > rows.Length / 2, "the demo's established videos carry views");
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Catalog.GatherStats([0, w.Catalog.Count], later, halfLife, views, completions, velocity));
        Assert.Throws<ArgumentException>(() => w.Catalog.GatherStats(rows, later, halfLife, views.AsSpan(0, 3), completions, velocity));
    }

    [Fact]
    public void Sorted_order_is_the_sort_without_moving_candidates()
    {
        var random = new Random(4);
        var items = new Candidate[333];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = new Candidate { Row = random.Next(50_000), Score = random.Next(-8, 8) / 2f, RetrievalScore = i };
        }

        var before = items.ToArray();
        var keys = new ulong[items.Length];
        var order = new int[items.Length];
        FeedRanker.SortedOrder(items, keys, order);
        Assert.Equal(before, items);

        var sorted = items.ToArray();
        FeedRanker.Sort(sorted);
        for (var k = 0; k < items.Length; k++)
        {
            Assert.Equal(sorted[k].RetrievalScore, items[order[k]].RetrievalScore);
            Assert.Equal(FeedRanker.SortKey(sorted[k].Score, sorted[k].Row), keys[k]);
        }

        Assert.Throws<ArgumentException>(() => FeedRanker.SortedOrder(items, keys.AsSpan(0, 5), order));
    }

    [Fact]
    public void Model_rescore_leaves_the_set_sorted_with_the_pre_rank_best_modeled()
    {
        var w = TestWorld.WithDemo(2_000);
        Assert.NotNull(w.Pipeline.Quality.Model);
        var t = TestWorld.Start.AddMinutes(5);
        for (var i = 0; i < 400; i++)
        {
            // Varied outcomes so the model's predictions differ between candidates.
            var type = i % 5 == 0 ? InteractionType.Like : i % 3 == 0 ? InteractionType.Skip : InteractionType.View;
            var e = w.Event($"u{i % 7}", $"v{(i * 37) % 2_000}", type, t.AddSeconds(i), watchMs: (i % 4) * 6_000);
            w.Catalog.TryGetRow(e.VideoId, out var row);
            var before = w.User(e.UserId).EmbeddingToArray();
            w.Apply(e);
            w.Pipeline.Quality.Observe(e, row, before, w.Catalog);
        }

        var set = w.Pipeline.Retrieve(w.User("u1"), new FeedRequest(10, "US", t.AddMinutes(10)));
        var n = Math.Min(set.Count, w.Settings.Model.RescoreCandidates);
        Assert.True(set.Count > n, "more candidates than the model re-scores");
        w.Pipeline.Rank([set]);

        var items = set.Items;
        for (var i = 1; i < items.Length; i++)
        {
            Assert.True(FeedRanker.SortKey(items[i - 1].Score, items[i - 1].Row) < FeedRanker.SortKey(items[i].Score, items[i].Row), $"position {i} out of order");
        }

        var modeled = 0;
        var floor = float.PositiveInfinity;
        var distinct = new HashSet<float>();
        foreach (ref var c in items)
        {
            if (c.Modeled)
            {
                modeled++;
                floor = MathF.Min(floor, c.Parts.Model);
                distinct.Add(c.Parts.Model);
            }
        }

        Assert.Equal(n, modeled);
        Assert.True(distinct.Count > 1, "the trained model tells candidates apart");
        foreach (ref var c in items)
        {
            if (!c.Modeled)
            {
                Assert.Equal(floor, c.Parts.Model);
            }
        }

        // The candidates the model saw are the pre-rank's best: the pre-rank total is the score without the model factor.
        var worstModeledPre = float.PositiveInfinity;
        var bestOtherPre = float.NegativeInfinity;
        foreach (ref var c in items)
        {
            var pre = c.Parts.Total / MathF.Exp(c.Parts.Model);
            if (c.Modeled)
            {
                worstModeledPre = MathF.Min(worstModeledPre, pre);
            }
            else
            {
                bestOtherPre = MathF.Max(bestOtherPre, pre);
            }
        }

        Assert.True(worstModeledPre >= bestOtherPre * (1 - 1e-5f), $"pre-rank {worstModeledPre} of a modeled candidate below {bestOtherPre} of an unmodeled one");
    }
}
