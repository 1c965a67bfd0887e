using ActorRec.Actors.TestKit;
using ActorRec.Recommender.Ranking;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Tests.Support;

namespace ActorRec.Recommender.Tests.Ranking;

public sealed class BatchedRankingTests
{
    private sealed class CountingScorer : ICandidateScorer
    {
        private readonly CpuCandidateScorer _inner = new();

        public List<int> QueriesPerCall { get; } = [];

        public void ScoreBatch(ReadOnlySpan<float> queries, ReadOnlySpan<int> offsets, ReadOnlySpan<int> candidateRows, IEmbeddingSource embeddings, Span<float> output)
        {
            QueriesPerCall.Add(offsets.Length - 1);
            _inner.ScoreBatch(queries, offsets, candidateRows, embeddings, output);
        }
    }

    [Fact]
    public async Task Concurrent_feed_requests_share_one_scoring_call_and_match_unbatched_results()
    {
        var w = TestWorld.WithDemo(1_000);
        var scorer = new CountingScorer();
        var ranker = new FeedRanker(w.Catalog, scorer, w.Settings);
        var time = new VirtualTimeProvider(TestWorld.Start);
        using var batched = new BatchedFeedRanker(ranker, w.Settings.Ranking, time);
        var request = new FeedRequest(10, "US", TestWorld.Start);
        var users = Enumerable.Range(0, 5).Select(i => w.User($"u{i}")).ToList();
        var pending = users.Select(u => batched.ScoreAsync(w.Pipeline.Retrieve(u, request))).ToList();
        Assert.Empty(scorer.QueriesPerCall);
        time.Advance(w.Settings.Ranking.BatchWindow);
        var scored = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([5], scorer.QueriesPerCall);
        Assert.Equal(1, batched.Batches);

        for (var i = 0; i < users.Count; i++)
        {
            var batchedFeed = w.Pipeline.Finish(scored[i], request).Items.Select(x => (x.VideoId, x.Score));
            var alone = w.Pipeline.GetFeed(users[i], request).Items.Select(x => (x.VideoId, x.Score));
            Assert.Equal(alone, batchedFeed);
        }
    }
}
