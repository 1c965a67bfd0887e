using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Reranking;

namespace ActorRec.Recommender.Tests.Reranking;

public sealed class FeedProbeTests
{
    [Fact]
    public void Probe_reports_consistent_figures_on_a_small_world()
    {
        var r = FeedProbe.Run(FeedSettings.Default, videos: 500, users: 20, eventsPerUser: 10, feeds: 50);
        Assert.Equal(200, r.Events);
        Assert.Equal(50, r.Feeds);
        Assert.True(r.EventsPerSecond > 0 && r.FeedsPerSecond > 0);
        Assert.True(r.FeedP50Ms > 0 && r.FeedP50Ms <= r.FeedP99Ms);
    }
}
