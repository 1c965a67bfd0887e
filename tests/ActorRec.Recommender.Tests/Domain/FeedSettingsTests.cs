using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Exploration;

namespace ActorRec.Recommender.Tests.Domain;

public sealed class FeedSettingsTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Same(FeedSettings.Default, FeedSettings.Default.Validate());

    [Fact]
    public void Bad_values_name_their_key()
    {
        Assert.Equal("actorrec.feed.embedding-dim", Assert.Throws<FeedSettingsException>(() => FeedSettings.Create(embeddingDim: 0)).Key);
        Assert.Equal("actorrec.feed.learning.user-learning-rate",
            Assert.Throws<FeedSettingsException>(() => FeedSettings.Create(learning: new LearningSettings { UserLearningRate = -1 })).Key);
        Assert.Equal("actorrec.feed.user.seen-bits-per-generation",
            Assert.Throws<FeedSettingsException>(() => FeedSettings.Create(user: new UserStateSettings { SeenBitsPerGeneration = 100 })).Key);
        Assert.Equal("actorrec.feed.video.promotion-stages",
            Assert.Throws<FeedSettingsException>(() => FeedSettings.Create(video: new VideoStateSettings
            {
                Promotion = new PromotionSettings([new PromotionStage("t", 10, 20, 0.1, 0), new PromotionStage("all", long.MaxValue, long.MaxValue, 0, 0)]),
            })).Key);
        Assert.Equal("actorrec.feed.ranking.batch-window",
            Assert.Throws<FeedSettingsException>(() => FeedSettings.Create(ranking: new RankingSettings { BatchWindow = TimeSpan.Zero })).Key);
        Assert.Equal("actorrec.feed.rerank.default-count",
            Assert.Throws<FeedSettingsException>(() => FeedSettings.Create(rerank: new RerankSettings { DefaultCount = 500 })).Key);
        Assert.Equal("actorrec.feed.limits.max-events-per-batch",
            Assert.Throws<FeedSettingsException>(() => (FeedSettings.Default with { Limits = new IngestLimits { MaxEventsPerBatch = 0 } }).Validate()).Key);
        Assert.Equal("actorrec.feed.retrieval.oversample",
            Assert.Throws<FeedSettingsException>(() => FeedSettings.Create(retrieval: new RetrievalSettings { Oversample = float.NaN })).Key);
    }
}
