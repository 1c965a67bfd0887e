namespace ActorRec.Recommender.Ann;

/// <summary>Similarity the index ranks by. Both are "higher is closer".</summary>
public enum AnnMetric
{
    /// <summary>Raw inner product of the stored and query vectors.</summary>
    InnerProduct,

    /// <summary>Cosine similarity: vectors are L2-normalised on insert and on query, then compared by inner product.</summary>
    Cosine,
}

/// <summary>Settings of an <see cref="HnswIndex"/>.</summary>
/// <param name="Dimension">Length of every vector.</param>
/// <param name="Metric">Similarity used for linking and search.</param>
/// <param name="M">Links per node on the upper layers; layer 0 keeps <c>2 * M</c>.</param>
/// <param name="EfConstruction">Candidate list size while linking a new node (quality of the graph).</param>
/// <param name="EfSearch">Default candidate list size of a search (raised to k when smaller).</param>
/// <param name="Seed">Seed of the level generator: same inserts in the same order give the same graph.</param>
public sealed record HnswSettings(
    int Dimension = 64,
    AnnMetric Metric = AnnMetric.Cosine,
    int M = 16,
    int EfConstruction = 128,
    int EfSearch = 128,
    int Seed = 42)
{
    /// <summary>Validates every value and names the bad key.</summary>
    public static HnswSettings Create(
        int dimension = 64,
        AnnMetric metric = AnnMetric.Cosine,
        int m = 16,
        int efConstruction = 128,
        int efSearch = 128,
        int seed = 42)
    {
        if (dimension is < 1 or > 65_536)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "ann.dimension must be in 1..65536.");
        }

        if (m is < 2 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(m), m, "ann.m must be in 2..256.");
        }

        if (efConstruction < m)
        {
            throw new ArgumentOutOfRangeException(nameof(efConstruction), efConstruction, "ann.ef-construction must be at least ann.m.");
        }

        if (efSearch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(efSearch), efSearch, "ann.ef-search must be positive.");
        }

        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "ann.metric must be inner-product or cosine.");
        }

        return new HnswSettings(dimension, metric, m, efConstruction, efSearch, seed);
    }
}

/// <summary>One search hit: the caller's id and its similarity to the query (higher is closer).</summary>
public readonly record struct AnnHit(long Id, float Score);
