using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Users;

/// <summary>
/// What a UserActor journals per event: the event plus everything <see cref="UserState.Apply(UserInteraction)"/>
/// reads besides the state itself (the video facts as seen then, and the sampled negatives, k·dim floats), so that
/// replaying the journal reproduces the state bit for bit.
/// </summary>
public sealed record UserInteraction(InteractionEvent Event, VideoFacts Video, float[] Negatives);

/// <summary>
/// A UserActor snapshot: the complete <see cref="UserState"/> as plain arrays (ring contents oldest first), for any
/// serializer. <see cref="UserState.FromSnapshot"/> restores it under the same settings. <c>AppliedSeconds</c>
/// holds the event second of each applied id (empty or null in a snapshot written before they were kept).
/// </summary>
public sealed record UserSnapshot(
    string UserId,
    long EventCount,
    long LastEventTicks,
    string? Region,
    string? Device,
    int Hour,
    float[] Embedding,
    float[] Session,
    long SessionAtTicks,
    ulong[] Recent,
    uint[] CounterKeys,
    float[] CounterValues,
    long CountersAtTicks,
    ulong[] SeenWords,
    int SeenGeneration,
    int SeenCount,
    ulong[] AppliedIds,
    ulong[] Relations,
    uint[]? AppliedSeconds = null);
