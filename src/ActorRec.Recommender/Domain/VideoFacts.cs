namespace ActorRec.Recommender.Domain;

/// <summary>
/// What a user update needs to know about the video of an event, copied at the time the event is applied: the
/// video's embedding as the user saw it, its creator, primary topic and length. A UserActor journals the event
/// together with these facts (and the sampled negatives), so replaying the journal reproduces the user state
/// exactly even though the video has learned since.
/// </summary>
public sealed record VideoFacts(string VideoId, string CreatorId, string Topic, long DurationMs, float[] Embedding)
{
    public ulong VideoKey => DomainKeys.Video(VideoId);

    public ulong CreatorKey => DomainKeys.Creator(CreatorId);

    public ulong TopicKey => DomainKeys.Topic(Topic);
}
