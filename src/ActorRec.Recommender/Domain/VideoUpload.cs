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

/// <summary>
/// Stable keys for videos, creators and topics shared by user state, catalog and re-ranking. The two low bits of a
/// key name its kind (video 3, creator 1, topic 2), so one compact set can hold follows, muted topics and blocked
/// videos together and still tell them apart.
/// </summary>
public static class DomainKeys
{
    public const ulong KindMask = 3;
    public const ulong CreatorKind = 1;
    public const ulong TopicKind = 2;
    public const ulong VideoKind = 3;

    public static ulong Video(string videoId) => (StableHash.Key("video:", videoId) & ~KindMask) | VideoKind;

    public static ulong Creator(string creatorId) => (StableHash.Key("creator:", creatorId) & ~KindMask) | CreatorKind;

    public static ulong Topic(string normalizedHashtag) => (StableHash.Key("topic:", normalizedHashtag) & ~KindMask) | TopicKind;

    public static bool IsCreator(ulong key) => (key & KindMask) == CreatorKind;
}
