using ActorRec.Recommender.Ranking;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Tests.Ranking;

public sealed class CandidateSortTests
{
    [Fact]
    public void Sorts_by_score_descending_then_row_ascending_like_the_comparison()
    {
        var random = new Random(3);
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.MinValue, float.Epsilon, -float.Epsilon, 1f, -1f];
        var items = new Candidate[400];
        for (var i = 0; i < items.Length; i++)
        {
            // Many ties (scores from a small set, specials included) so the row order matters.
            var score = i % 5 == 0 ? specials[random.Next(specials.Length)] : (random.Next(-20, 20) / 4f);
            items[i] = new Candidate { Row = random.Next(100_000), Score = score, RetrievalScore = i };
        }

        var expected = items.ToArray();
        Array.Sort(expected, static (a, b) =>
        {
            var c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : a.Row.CompareTo(b.Row);
        });

        FeedRanker.Sort(items);

        for (var i = 0; i < items.Length; i++)
        {
            Assert.Equal(expected[i].Score, items[i].Score);
            Assert.Equal(expected[i].Row, items[i].Row);
        }

        // The whole candidate travels with its key.
        Assert.All(items, c => Assert.Contains(expected, e => e.RetrievalScore == c.RetrievalScore && e.Row == c.Row));
    }

    [Fact]
    public void Key_orders_scores_across_signs()
    {
        float[] ascending = [float.NegativeInfinity, -3f, -0.5f, -float.Epsilon, 0f, float.Epsilon, 0.5f, 3f, float.PositiveInfinity];
        for (var i = 1; i < ascending.Length; i++)
        {
            Assert.True(FeedRanker.SortKey(ascending[i], 7) < FeedRanker.SortKey(ascending[i - 1], 7), $"{ascending[i]} must sort before {ascending[i - 1]}");
        }

        Assert.Equal(FeedRanker.SortKey(0f, 5), FeedRanker.SortKey(-0f, 5));
        Assert.True(FeedRanker.SortKey(1f, 4) < FeedRanker.SortKey(1f, 5));
        Assert.Equal(FeedRanker.SortKey(float.NegativeInfinity, 2), FeedRanker.SortKey(float.NaN, 2));
    }
}
