namespace ActorRec.Recommender.Domain;

/// <summary>
/// One validated interaction of a user with a video, as accepted by <c>POST /v1/events</c>.
/// <see cref="DurationMs"/> is the video length the client saw (0 when it did not say: the video's own length is
/// used); <see cref="WatchMs"/> counts all watching including replays.
/// </summary>
public sealed record InteractionEvent(
    string Id,
    InteractionType Type,
    string UserId,
    string VideoId,
    DateTimeOffset Timestamp,
    long WatchMs = 0,
    long DurationMs = 0,
    int Replays = 0,
    string? Region = null,
    string? Device = null)
{
    /// <summary>Stable 64-bit key of <see cref="Id"/>, used by the idempotency windows.</summary>
    public ulong IdKey => StableHash.Key("event:", Id);

    /// <summary>Stable 64-bit key of <see cref="VideoId"/>.</summary>
    public ulong VideoKey => DomainKeys.Video(VideoId);
}
