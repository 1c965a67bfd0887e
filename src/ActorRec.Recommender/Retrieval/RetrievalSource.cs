namespace ActorRec.Recommender.Retrieval;

/// <summary>The retrieval paths a candidate came from (a candidate may carry several).</summary>
[Flags]
public enum RetrievalSource : byte
{
    None = 0,

    /// <summary>Nearest neighbours of the user's query vector.</summary>
    Embedding = 1,

    /// <summary>Similar to a video the user recently engaged with.</summary>
    Similar = 2,

    /// <summary>Trending in the user's region.</summary>
    Trending = 4,

    /// <summary>A new video of a creator the user follows.</summary>
    Following = 8,

    /// <summary>A new video still in its cold-start test audience.</summary>
    ColdStart = 16,

    /// <summary>Co-engaged with the user's recent positives (the co-engagement table).</summary>
    CoEngaged = 32,
}

public static class RetrievalSources
{
    /// <summary>Every single path, in wire order.</summary>
    public static readonly RetrievalSource[] All =
        [RetrievalSource.Embedding, RetrievalSource.Similar, RetrievalSource.Trending, RetrievalSource.Following, RetrievalSource.ColdStart, RetrievalSource.CoEngaged];

    /// <summary>Wire name of one path: embedding, similar, trending, following, new, coengaged.</summary>
    public static string ToWire(this RetrievalSource single) => single switch
    {
        RetrievalSource.Embedding => "embedding",
        RetrievalSource.Similar => "similar",
        RetrievalSource.Trending => "trending",
        RetrievalSource.Following => "following",
        RetrievalSource.ColdStart => "new",
        RetrievalSource.CoEngaged => "coengaged",
        _ => throw new ArgumentOutOfRangeException(nameof(single), single, "not a single retrieval path"),
    };

    /// <summary>Wire names of every path in <paramref name="sources"/>.</summary>
    public static string[] ToWireList(this RetrievalSource sources)
    {
        var n = 0;
        foreach (var s in All)
        {
            n += (sources & s) != 0 ? 1 : 0;
        }

        var result = new string[n];
        var i = 0;
        foreach (var s in All)
        {
            if ((sources & s) != 0)
            {
                result[i++] = s.ToWire();
            }
        }

        return result;
    }
}
