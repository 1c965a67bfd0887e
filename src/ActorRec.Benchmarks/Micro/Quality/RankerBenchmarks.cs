using ActorRec.Recommender.Diversity;
using ActorRec.Recommender.Features;
using ActorRec.Recommender.Model;
using BenchmarkDotNet.Attributes;

namespace ActorRec.Benchmarks.Micro.Quality;

/// <summary>One prediction and one online training step of the multi-task ranker (64-d embeddings), and one MMR re-rank.</summary>
[MemoryDiagnoser]
public class RankerBenchmarks
{
    private OnlineRankingModel _model = null!;
    private readonly float[] _user = new float[64];
    private readonly float[] _video = new float[64];
    private readonly ulong[] _sparse = [1, 2, 3];
    private readonly RankingContext _context = new("US", "ios", 20);
    private readonly TaskLabels _labels = new(true, false, false, false, false, 1.1f);
    private RerankCandidate[] _candidates = null!;
    private readonly int[] _order = new int[20];
    private readonly DiversityReranker _reranker = new();

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (var i = 0; i < 64; i++)
        {
            _user[i] = (float)random.NextDouble() - 0.5f;
            _video[i] = (float)random.NextDouble() - 0.5f;
        }

        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 16, AdmissionThreshold: 1));
        _model = new OnlineRankingModel(new FeatureBuilder(new FeatureSettings(), table));
        _model.Learn(_user, _video, _sparse, _context, _labels);
        _candidates = new RerankCandidate[200];
        for (var i = 0; i < _candidates.Length; i++)
        {
            var e = new float[64];
            for (var d = 0; d < 64; d++)
            {
                e[d] = (float)random.NextDouble() - 0.5f;
            }

            _candidates[i] = new RerankCandidate((float)random.NextDouble(), e, (ulong)(i % 30), (ulong)(i % 12));
        }
    }

    [Benchmark]
    public float Predict() => _model.Predict(_user, _video, _sparse, _context).Completion;

    [Benchmark]
    public float Learn() => _model.Learn(_user, _video, _sparse, _context, _labels);

    [Benchmark]
    public int MmrTop20Of200() => _reranker.Rerank(_candidates, 20, _order);
}
