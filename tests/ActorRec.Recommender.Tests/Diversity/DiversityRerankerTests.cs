using ActorRec.Recommender.Diversity;

namespace ActorRec.Recommender.Tests.Diversity;

public sealed class DiversityRerankerTests
{
    private static RerankCandidate[] Candidates()
    {
        // 30 candidates in 3 tight topics; topic 0 has the best scores, creators repeat.
        var random = new Random(5);
        var list = new RerankCandidate[30];
        for (var i = 0; i < 30; i++)
        {
            var topic = i % 3;
            var e = new float[8];
            e[topic] = 1f;
            for (var d = 0; d < 8; d++)
            {
                e[d] += (float)random.NextDouble() * 0.1f;
            }

            list[i] = new RerankCandidate((topic == 0 ? 5.5f : 5f) - (i * 0.01f), e, CreatorId: (ulong)(i % 4), TopicId: (ulong)topic);
        }

        return list;
    }

    [Fact]
    public void Mmr_raises_intra_list_diversity_over_the_relevance_order()
    {
        var candidates = Candidates();
        var byScore = Enumerable.Range(0, 30).OrderByDescending(i => candidates[i].Score).Take(10).Select(i => candidates[i].Embedding).ToList();
        var reranker = new DiversityReranker(new DiversitySettings(Lambda: 0.5f, CreatorCap: 10, TopicCap: 10, CapWindow: 10));
        var order = new int[10];

        var n = reranker.Rerank(candidates, 10, order);

        var diverse = order.Take(n).Select(i => candidates[i].Embedding).ToList();
        Assert.Equal(10, n);
        Assert.Equal(0, order[0]); // the most relevant item still leads
        Assert.True(IntraListDiversity.Compute(diverse) > IntraListDiversity.Compute(byScore) + 0.2, $"{IntraListDiversity.Compute(diverse):F3} vs {IntraListDiversity.Compute(byScore):F3}");
    }

    [Fact]
    public void Lambda_one_keeps_the_relevance_order_when_caps_allow()
    {
        var candidates = Candidates();
        var order = new int[5];
        new DiversityReranker(new DiversitySettings(Lambda: 1f, CreatorCap: 5, TopicCap: 5, CapWindow: 5)).Rerank(candidates, 5, order);
        Assert.Equal(Enumerable.Range(0, 30).OrderByDescending(i => candidates[i].Score).Take(5), order);
    }

    [Fact]
    public void No_window_exceeds_the_creator_and_topic_caps()
    {
        var candidates = Candidates();
        var order = new int[20];
        var settings = new DiversitySettings(Lambda: 1f, CreatorCap: 1, TopicCap: 2, CapWindow: 4);

        var n = new DiversityReranker(settings).Rerank(candidates, 20, order);

        Assert.True(n >= 10);
        for (var start = 0; start + settings.CapWindow <= n; start++)
        {
            var window = order.Skip(start).Take(settings.CapWindow).Select(i => candidates[i]).ToList();
            Assert.All(window.GroupBy(c => c.CreatorId), g => Assert.True(g.Count() <= 1));
            Assert.All(window.GroupBy(c => c.TopicId), g => Assert.True(g.Count() <= 2));
        }
    }

    [Fact]
    public void Intra_list_diversity_is_zero_for_copies_and_one_for_orthogonal_items()
    {
        ReadOnlyMemory<float> a = new float[] { 1, 0 };
        ReadOnlyMemory<float> b = new float[] { 0, 1 };
        Assert.Equal(0, IntraListDiversity.Compute([a, a]), 6);
        Assert.Equal(1, IntraListDiversity.Compute([a, b]), 6);
        Assert.Equal(0, IntraListDiversity.Compute([a]));
    }
}
