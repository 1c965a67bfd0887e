namespace ActorRec.Recommender.Ann;

/// <summary>Settings of an <see cref="IvfIndex"/>.</summary>
/// <param name="Dimension">Length of every vector.</param>
/// <param name="Metric">Similarity the index ranks by.</param>
/// <param name="ListSize">Target vectors per inverted list: the index keeps about <c>live / ListSize</c> lists.</param>
/// <param name="Probes">Lists scanned per search (those whose centroids are closest to the query).</param>
/// <param name="Rerank">A search re-scores the best <c>k × Rerank</c> int8 candidates in float before cutting the top k.</param>
/// <param name="Seed">Seed of the k-means sampling and initialisation: the same mutations give the same index.</param>
public sealed record IvfSettings(
    int Dimension = 64,
    AnnMetric Metric = AnnMetric.Cosine,
    int ListSize = 256,
    int Probes = 6,
    float Rerank = 1.2f,
    int Seed = 42)
{
    /// <summary>Validates every value and names the bad key.</summary>
    public static IvfSettings Create(
        int dimension = 64,
        AnnMetric metric = AnnMetric.Cosine,
        int listSize = 256,
        int probes = 6,
        float rerank = 1.2f,
        int seed = 42)
    {
        if (dimension is < 1 or > 65_536)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "ann.dimension must be in 1..65536.");
        }

        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "ann.metric must be inner-product or cosine.");
        }

        if (listSize is < 16 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(listSize), listSize, "ann.ivf.list-size must be in 16..1000000.");
        }

        if (probes is < 1 or > 65_536)
        {
            throw new ArgumentOutOfRangeException(nameof(probes), probes, "ann.ivf.probes must be in 1..65536.");
        }

        if (!(rerank is >= 1f and <= 100f))
        {
            throw new ArgumentOutOfRangeException(nameof(rerank), rerank, "ann.ivf.rerank must be in 1..100.");
        }

        return new IvfSettings(dimension, metric, listSize, probes, rerank, seed);
    }
}
