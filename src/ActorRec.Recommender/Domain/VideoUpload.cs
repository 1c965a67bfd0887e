namespace ActorRec.Recommender.Domain;

/// <summary>
/// A validated video registration (<c>PUT /v1/videos/{videoId}</c>). Hashtags are normalised (lower case, no
/// leading '#'); the first hashtag is the video's primary topic. <see cref="ContentEmbedding"/>, when present, has
/// exactly the configured dimension and only finite values.
/// </summary>
public sealed record VideoUpload(
    string CreatorId,
    long DurationMs,
    IReadOnlyList<string> Hashtags,
    string Caption,
    string? SoundId,
    string Region,
    float[]? ContentEmbedding = null)
{
    /// <summary>The primary topic (first hashtag), or an empty string when the video has none.</summary>
    public string PrimaryTopic => Hashtags.Count > 0 ? Hashtags[0] : string.Empty;

    /// <summary>Normalises a hashtag: trims, drops leading '#', lower-cases (invariant).</summary>
    public static string NormalizeHashtag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        return tag.Trim().TrimStart('#').ToLowerInvariant();
    }
}

/// <summary>Keys for topics (hashtags) and creators shared by user state, catalog and re-ranking.</summary>
public static class DomainKeys
{
    public static ulong Video(string videoId) => StableHash.Key("video:", videoId);

    public static ulong Creator(string creatorId) => StableHash.Key("creator:", creatorId);

    public static ulong Topic(string normalizedHashtag) => StableHash.Key("topic:", normalizedHashtag);
}
