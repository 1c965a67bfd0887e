using ActorRec.Recommender.Evaluation;

namespace ActorRec.Recommender.Tests.Evaluation;

public sealed class EvaluationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "actorrec-eval-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Loaders_parse_each_format_and_sort_by_time()
    {
        Write("ml-100k/u.data", "1\t10\t5\t300\n2\t20\t3\t100\n1\t20\t4\t200\n");
        Write("ml-1m_partial/ratings_first487650.dat", "7::1::4::50\n8::2::2::40\n");
        Write(
            "kuairand_27k_like_hate_subset/processed_standard_kcore_15.tsv",
            "user_id\tvideo_id\ttime_ms\tlong_view\tplay_time_ms\tduration_ms\n5\t100\t2000\t0\t9000\t10000\n5\t101\t1000\t1\t10\t0\n6\t100\t3000\t1\t100\t10000\n");

        var ml = DatasetLoader.Load("ml-100k", _root);
        Assert.Equal(3, ml.Interactions.Length);
        Assert.Equal([100_000L, 200_000L, 300_000L], ml.Interactions.Select(e => e.Timestamp));
        Assert.Equal([false, true, true], ml.Interactions.Select(e => e.Positive));
        Assert.Equal(2, ml.UserCount);
        Assert.Equal(2, ml.ItemCount);
        Assert.Equal(20, ml.ItemIds[ml.Interactions[0].Item]);

        var m1 = DatasetLoader.Load("ml-1m", _root);
        Assert.Equal([false, true], m1.Interactions.Select(e => e.Positive));

        var kr = DatasetLoader.Load("kuairand", _root);
        Assert.Equal([true, true, false], kr.Interactions.Select(e => e.Positive)); // long_view fallback, 0.9 ≥ 0.8, 0.01
        Assert.Equal(0.9f, kr.Interactions[1].Strength, 3);
    }

    [Fact]
    public void A_missing_data_set_says_which_file_it_expected()
    {
        var e = Assert.Throws<DatasetNotFoundException>(() => DatasetLoader.Load("ml-1m", _root));
        Assert.Contains("ratings_first487650.dat", e.Message);
        Assert.Contains("--data-root", e.Message);
        Assert.Throws<ArgumentException>(() => DatasetLoader.Load("netflix", _root));
    }

    [Fact]
    public void TopK_selector_matches_a_sort_and_skips_excluded_items()
    {
        var random = new Random(3);
        var scores = new float[500];
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = random.Next(100);
        }

        var exclude = new HashSet<int> { 1, 5, 9, 200 };
        var top = new int[20];

        var n = TopKSelector.Select(scores, 20, exclude, top);

        var expected = Enumerable.Range(0, 500).Where(i => !exclude.Contains(i)).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(20);
        Assert.Equal(20, n);
        Assert.Equal(expected, top);
    }

    [Fact]
    public void An_oracle_scores_one_and_popularity_finds_the_popular_item()
    {
        var data = Chains(users: 200, items: 60, length: 12, seed: 1);
        var report = PrequentialEvaluator.Run(data, [new Oracle(data), new PopularityRecommender(data.ItemCount)]);

        Assert.Equal(1.0, report.Models["oracle"].HitRate10, 6);
        Assert.Equal(1.0, report.Models["oracle"].Ndcg10, 6);
        Assert.InRange(report.Models["popularity"].HitRate10, 0.0, 0.9);
        Assert.Contains("\"oracle\":{\"hr10\":1,\"ndcg10\":1,\"recall50\":1}", report.ToJson());
    }

    [Fact]
    public void The_online_model_learns_sequences_that_popularity_cannot_see()
    {
        var data = Chains(users: 400, items: 80, length: 15, seed: 2);
        var report = PrequentialEvaluator.RunStandard(data, new OnlineHybridRecommender(data.UserCount, data.ItemCount), new EvaluationSettings(TrainFraction: 0.5), new BatchMfSettings(Dimension: 8, Epochs: 5));

        var online = report.Models["online_hybrid"].HitRate10;
        var popularity = report.Models["popularity"].HitRate10;
        Assert.True(online >= 2 * popularity, $"online {online:F3} vs popularity {popularity:F3}");
        Assert.True(report.Models.ContainsKey("batch_mf"));
    }

    [Fact]
    public void Batch_mf_learns_two_taste_groups()
    {
        // Users 0..99 like items 0..19, users 100..199 like items 20..39; popularity is flat across the two groups.
        var random = new Random(5);
        var list = new List<Interaction>();
        long t = 0;
        for (var round = 0; round < 10; round++)
        {
            for (var u = 0; u < 200; u++)
            {
                var item = ((u < 100) ? 0 : 20) + random.Next(20);
                list.Add(new Interaction(u, item, t++, true, 5f));
            }
        }

        var data = new InteractionDataset("groups", [.. list], Enumerable.Range(0, 200).Select(i => (long)i).ToArray(), Enumerable.Range(0, 40).Select(i => (long)i).ToArray());
        var report = PrequentialEvaluator.RunStandard(data, batchSettings: new BatchMfSettings(Dimension: 8, Epochs: 40));

        Assert.True(report.Models["batch_mf"].HitRate10 > 0.4, report.ToTable());
        Assert.True(report.Models["batch_mf"].HitRate10 > report.Models["popularity"].HitRate10 + 0.1, report.ToTable());
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>Users walk the catalogue from a random start one item at a time (i, i+1, i+2, …).</summary>
    private static InteractionDataset Chains(int users, int items, int length, int seed)
    {
        var random = new Random(seed);
        var list = new List<Interaction>();
        var starts = new int[users];
        for (var u = 0; u < users; u++)
        {
            starts[u] = random.Next(items);
        }

        long t = 0;
        for (var step = 0; step < length; step++)
        {
            for (var u = 0; u < users; u++)
            {
                list.Add(new Interaction(u, (starts[u] + step) % items, t++, true, 5f));
            }
        }

        return new InteractionDataset("chains", [.. list], Enumerable.Range(0, users).Select(i => (long)i).ToArray(), Enumerable.Range(0, items).Select(i => (long)i).ToArray());
    }

    /// <summary>Knows the future: always puts the next item first.</summary>
    private sealed class Oracle(InteractionDataset data) : IOnlineRecommender
    {
        private int _t;

        public string Name => "oracle";

        public int TopK(int user, int k, IReadOnlySet<int> exclude, Span<int> destination)
        {
            var events = data.Interactions;
            var t = _t;
            while (events[t].User != user || !events[t].Positive)
            {
                t++;
            }

            destination[0] = events[t].Item;
            return 1;
        }

        public void Observe(in Interaction interaction) => _t++;
    }
}
