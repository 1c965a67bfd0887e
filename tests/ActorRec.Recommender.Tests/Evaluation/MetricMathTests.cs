using ActorRec.Recommender.Evaluation;

namespace ActorRec.Recommender.Tests.Evaluation;

/// <summary>HR@10, NDCG@10 and Recall@50 against values worked out by hand from a fixed ranking.</summary>
public sealed class MetricMathTests
{
    [Fact]
    public void Ranks_0_2_20_and_absent_give_the_hand_computed_metrics()
    {
        // Four users, one positive each on items 0, 2, 20 and 70, all in the evaluated segment (train fraction 0).
        // The fixed ranking is 0, 1, 2, …, 59, so the true items sit at ranks 0, 2, 20 and nowhere in the top 50.
        var events = new[]
        {
            new Interaction(0, 0, 1, true, 5f),
            new Interaction(1, 2, 2, true, 5f),
            new Interaction(2, 20, 3, true, 5f),
            new Interaction(3, 70, 4, true, 5f),
        };
        var data = new InteractionDataset("fixed", events, [0, 1, 2, 3], Enumerable.Range(0, 80).Select(i => (long)i).ToArray());

        var report = PrequentialEvaluator.Run(data, [new FixedRanking()], new EvaluationSettings(TrainFraction: 0));

        var m = report.Models["fixed"];
        Assert.Equal(4, report.EvaluatedPositives);
        Assert.Equal(2.0 / 4, m.HitRate10, 12);                        // ranks 0 and 2 are in the top 10
        Assert.Equal((1.0 + (1.0 / Math.Log2(4))) / 4, m.Ndcg10, 12);  // 1/log2(0+2) + 1/log2(2+2) = 1.5
        Assert.Equal(3.0 / 4, m.Recall50, 12);                         // rank 20 counts for Recall@50 only
    }

    [Fact]
    public void Seen_items_are_excluded_and_a_repeat_positive_is_not_scored()
    {
        // User 0 sees items 0 and 1, then likes item 2, then item 0 again. With 0 and 1 excluded, item 2 is first.
        var events = new[]
        {
            new Interaction(0, 0, 1, false, 2f),
            new Interaction(0, 1, 2, false, 2f),
            new Interaction(0, 2, 3, true, 5f),
            new Interaction(0, 0, 4, true, 5f),
        };
        var data = new InteractionDataset("seen", events, [0], [0, 1, 2]);

        var report = PrequentialEvaluator.Run(data, [new FixedRanking()], new EvaluationSettings(TrainFraction: 0));

        Assert.Equal(1, report.EvaluatedPositives);
        Assert.Equal(1.0, report.Models["fixed"].HitRate10, 12);
        Assert.Equal(1.0, report.Models["fixed"].Ndcg10, 12);
    }

    /// <summary>Ranks items by ascending index, skipping excluded ones.</summary>
    private sealed class FixedRanking : IOnlineRecommender
    {
        public string Name => "fixed";

        public int TopK(int user, int k, IReadOnlySet<int> exclude, Span<int> destination)
        {
            var n = 0;
            for (var i = 0; i < 60 && n < k; i++)
            {
                if (!exclude.Contains(i))
                {
                    destination[n++] = i;
                }
            }

            return n;
        }

        public void Observe(in Interaction interaction)
        {
        }
    }
}
