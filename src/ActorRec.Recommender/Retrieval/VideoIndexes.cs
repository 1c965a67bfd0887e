using ActorRec.Recommender.Ann;
using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Retrieval;

/// <summary>Builds the <see cref="IVideoIndex"/> that <c>actorrec.feed.retrieval.index</c> names.</summary>
public static class VideoIndexes
{
    /// <summary>IVF (default), HNSW or the exact scan, with the settings of <c>retrieval.ivf</c> / <c>retrieval.hnsw</c>.</summary>
    public static IVideoIndex Create(FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var r = settings.Retrieval;
        return r.Index switch
        {
            VideoIndexKind.Exact => new ExactVideoIndex(settings.EmbeddingDim),
            VideoIndexKind.Ivf => new HnswVideoIndex(
                new IvfIndex(IvfSettings.Create(settings.EmbeddingDim, AnnMetric.Cosine, r.IvfListSize, r.IvfProbes, r.IvfRerank)),
                r.HnswReindexDrift,
                ef: 0),
            _ => new HnswVideoIndex(
                HnswSettings.Create(settings.EmbeddingDim, AnnMetric.Cosine, r.HnswM, r.HnswEfConstruction, r.HnswEfSearch),
                r.HnswReindexDrift),
        };
    }
}
