using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Users;
using BenchmarkDotNet.Attributes;

namespace ActorRec.Benchmarks.Micro.Quality;

/// <summary>
/// What the ranking model costs the served feed: ranking one retrieved feed (pre-rank + the model's batched re-score of
/// its best 64 candidates) against the pre-rank alone, re-ranking (Thompson exploration, MMR, intra-list diversity),
/// and observing one event (model training step with held-out prediction, trends, experiments), on a 10k-video demo
/// catalog. The model-off figures are the baseline of the same run.
/// </summary>
[MemoryDiagnoser]
public class FeedModelBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private FeedPipeline _pipeline = null!;
    private VideoCatalog _catalog = null!;
    private UserState _user = null!;
    private CandidateSet[] _sets = null!;
    private InteractionEvent[] _events = null!;
    private int[] _rows = null!;
    private float[] _before = null!;
    private FeedRequest _request = null!;
    private int _next;

    [Params(false, true)]
    public bool Model { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var settings = FeedSettings.Default with { Model = FeedSettings.Default.Model with { Enabled = Model } };
        _pipeline = FeedPipeline.CreateDefault(settings, out _catalog);
        var videos = DemoCatalog.Generate(new DemoCatalogOptions { Videos = 10_000, Creators = 1_000, Now = Now });
        foreach (var v in videos)
        {
            _catalog.Upsert(DemoCatalog.CreateState(v, settings));
        }

        _user = new UserState("u1", settings);
        _request = new FeedRequest(10, "US", Now);
        _sets = new CandidateSet[64];
        for (var i = 0; i < _sets.Length; i++)
        {
            _sets[i] = _pipeline.Retrieve(_user, _request);
        }

        _events = new InteractionEvent[1024];
        _rows = new int[_events.Length];
        for (var i = 0; i < _events.Length; i++)
        {
            var v = videos[(i * 7919) % videos.Count];
            _events[i] = new InteractionEvent($"e{i}", i % 3 == 0 ? InteractionType.Like : InteractionType.View, $"u{i % 50}", v.VideoId, Now, 9_000, 15_000, 0, "US", "ios");
            _catalog.TryGetRow(v.VideoId, out _rows[i]);
        }

        _before = _user.EmbeddingToArray();
    }

    [Benchmark]
    public int RankOneFeed()
    {
        var set = _sets[_next++ % _sets.Length];
        _pipeline.Ranker.ScoreBatch([set]);
        return set.Count;
    }

    [Benchmark]
    public int RerankOneFeed()
    {
        var set = _sets[_next++ % _sets.Length];
        return _pipeline.Reranker.Rerank(set, 10).Items.Count;
    }

    [Benchmark]
    public int ObserveOneEvent()
    {
        var i = _next++ % _events.Length;
        _pipeline.Quality.Observe(_events[i], _rows[i], _before, _catalog);
        return i;
    }
}
