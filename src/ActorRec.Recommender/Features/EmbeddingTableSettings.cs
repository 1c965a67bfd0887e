namespace ActorRec.Recommender.Features;

/// <summary>Settings of a <see cref="CuckooEmbeddingTable"/>.</summary>
/// <param name="Dimension">Floats per row.</param>
/// <param name="InitialCapacity">Slots allocated up front (rounded up to whole buckets, a power of two).</param>
/// <param name="BucketSize">Slots per cuckoo bucket (4 lets the table run at 90%+ load).</param>
/// <param name="MaxLoadFactor">The table doubles when live rows would exceed this share of the slots.</param>
/// <param name="MaxKicks">Displacements tried by one insert before the key goes to the stash.</param>
/// <param name="StashSize">Overflow slots searched on every lookup; the table grows when it is full.</param>
/// <param name="AdmissionThreshold">Sightings (count-min estimate) an id needs before it gets a row; 1 admits at once.</param>
/// <param name="AdmissionProbability">Chance that a sighting below the threshold admits the id anyway (0 disables).</param>
/// <param name="SketchWidth">Counters per count-min row.</param>
/// <param name="SketchDepth">Count-min rows.</param>
/// <param name="Expiry">A row not updated for this long is evicted by <see cref="CuckooEmbeddingTable.EvictExpired"/>.</param>
/// <param name="InitScale">New rows start uniform in ±InitScale (deterministic per id and seed).</param>
/// <param name="Seed">Seed of the hash functions, the sketch and probabilistic admission.</param>
public sealed record EmbeddingTableSettings(
    int Dimension = 16,
    int InitialCapacity = 4096,
    int BucketSize = 4,
    double MaxLoadFactor = 0.95,
    int MaxKicks = 500,
    int StashSize = 8,
    int AdmissionThreshold = 2,
    double AdmissionProbability = 0.0,
    int SketchWidth = 1 << 16,
    int SketchDepth = 4,
    TimeSpan Expiry = default,
    float InitScale = 0.01f,
    int Seed = 1)
{
    /// <summary>Default expiry when none is given: 7 days.</summary>
    public static readonly TimeSpan DefaultExpiry = TimeSpan.FromDays(7);

    /// <summary>The expiry in force (<see cref="DefaultExpiry"/> when left at default).</summary>
    public TimeSpan EffectiveExpiry => Expiry == default ? DefaultExpiry : Expiry;

    /// <summary>Validates every value and names the bad key.</summary>
    public static EmbeddingTableSettings Create(EmbeddingTableSettings values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Check(values.Dimension is >= 1 and <= 4096, "embedding-table.dimension", "must be in 1..4096", values.Dimension);
        Check(values.InitialCapacity >= 1, "embedding-table.initial-capacity", "must be positive", values.InitialCapacity);
        Check(values.BucketSize is >= 1 and <= 16, "embedding-table.bucket-size", "must be in 1..16", values.BucketSize);
        Check(values.MaxLoadFactor is > 0.1 and <= 0.99, "embedding-table.max-load-factor", "must be in (0.1, 0.99]", values.MaxLoadFactor);
        Check(values.MaxKicks >= 1, "embedding-table.max-kicks", "must be positive", values.MaxKicks);
        Check(values.StashSize >= 0, "embedding-table.stash-size", "must be non-negative", values.StashSize);
        Check(values.AdmissionThreshold >= 1, "embedding-table.admission-threshold", "must be at least 1", values.AdmissionThreshold);
        Check(values.AdmissionProbability is >= 0.0 and <= 1.0, "embedding-table.admission-probability", "must be in [0, 1]", values.AdmissionProbability);
        Check(values.SketchWidth >= 16, "embedding-table.sketch-width", "must be at least 16", values.SketchWidth);
        Check(values.SketchDepth is >= 1 and <= 16, "embedding-table.sketch-depth", "must be in 1..16", values.SketchDepth);
        Check(values.Expiry >= TimeSpan.Zero, "embedding-table.expiry", "must not be negative", values.Expiry);
        Check(float.IsFinite(values.InitScale) && values.InitScale >= 0f, "embedding-table.init-scale", "must be finite and non-negative", values.InitScale);
        return values;
    }

    private static void Check(bool ok, string key, string rule, object value)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(key, value, $"{key} {rule} (got {value}).");
        }
    }
}
