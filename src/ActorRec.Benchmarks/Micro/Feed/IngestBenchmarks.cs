using ActorRec.Persistence;
using ActorRec.Persistence.Serialization;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Learning;
using ActorRec.Recommender.Users;
using BenchmarkDotNet.Attributes;

namespace ActorRec.Benchmarks.Micro.Feed;

/// <summary>
/// Per-event cost of ingestion on a 20k-video demo catalog: the journal payload of one user interaction in the old
/// (raw floats) and the compact layout, the user's state transition, and a whole POST-sized batch (10 events of 10
/// users) through the engine with an in-memory journal (actors, journaling, model training, trends, video step).
/// </summary>
[MemoryDiagnoser]
public class IngestBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private readonly EventSerializerRegistry _registry = EntitySerializers.CreateRegistry();
    private FeedEngine _engine = null!;
    private UserInteraction[] _interactions = null!;
    private UserState _user = null!;
    private int _next;
    private long _batch;

    [GlobalSetup]
    public void Setup()
    {
        _engine = FeedEngine.Open(FeedSettings.Default, EntitySettings.Create(passivateAfter: TimeSpan.Zero), PersistenceSettings.Create("inmem"));
        _engine.SeedDemoCatalogAsync(new DemoCatalogOptions { Videos = 20_000, Now = Now }).GetAwaiter().GetResult();
        var catalog = _engine.Catalog;
        _interactions = new UserInteraction[1024];
        for (var i = 0; i < _interactions.Length; i++)
        {
            var row = (i * 7919) % catalog.Count;
            var e = new InteractionEvent($"e{i}", i % 4 == 1 ? InteractionType.Like : InteractionType.View, "u1", catalog.Info(row).VideoId, Now.AddSeconds(i), 9_000, 15_000, 0, "US", "ios");
            _interactions[i] = FeedEngine.CompactInteraction(e, catalog.Facts(row), NegativeSampler.Sample(catalog, e.IdKey, row, _engine.Settings.Learning.NegativeSamples));
        }

        _user = new UserState("u1", _engine.Settings);
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public int JournalPayloadVersion1() => EntitySerializers.WriteVersion1(_interactions[_next++ % _interactions.Length]).Length;

    [Benchmark]
    public int JournalPayloadCompact() => _registry.Serialize(_interactions[_next++ % _interactions.Length]).Bytes.Length;

    [Benchmark]
    public bool UserStateApply()
    {
        var x = _interactions[_next++ % _interactions.Length];
        return _user.Apply(x with { Event = x.Event with { Id = "a" + _next } });
    }

    [Benchmark(OperationsPerInvoke = 10)]
    public int EngineIngestTenEvents()
    {
        var b = _batch++;
        var catalog = _engine.Catalog;
        var batch = new InteractionEvent[10];
        for (var i = 0; i < batch.Length; i++)
        {
            var row = (int)((b * 10 + i) * 104_729 % catalog.Count);
            batch[i] = new InteractionEvent($"b{b}-{i}", InteractionType.View, $"u{(b * 10 + i) % 5_000}", catalog.Info(row).VideoId, Now.AddMilliseconds(b), 9_000, 15_000, 0, "US", "ios");
        }

        return _engine.IngestAsync(batch).GetAwaiter().GetResult().Accepted;
    }
}
