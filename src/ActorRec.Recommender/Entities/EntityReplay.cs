using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using ActorRec.Persistence.Tooling;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Entities;

/// <summary>
/// State printers for <c>actorrec journal replay user/ID | video/ID</c>: each journaled event is applied with the
/// same transition the live actor uses (<see cref="UserState.Apply(UserInteraction)"/>, <see cref="VideoActor.Apply"/>)
/// and the state is printed after it: embedding and session norms, recent videos, fatigue of the event's topic and
/// creator, relations; for videos the counters, watch ratio, velocity and cold-start stage.
/// </summary>
public static class EntityReplay
{
    /// <summary>Registers the user and video replayers on <paramref name="registry"/> and returns it.</summary>
    public static EntityReplayRegistry Register(EntityReplayRegistry registry, FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(settings);
        registry.Register("user/", () => new UserReplayState(settings), static (s, e) => s.Apply(e), static s => s.Print());
        registry.Register("video/", () => new VideoReplayState(settings), static (s, e) => s.Apply(e), static s => s.Print());
        return registry;
    }

    private static string F(float v) => v.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>The user being rebuilt (created by its first event, which names it) and the last event applied.</summary>
    private sealed class UserReplayState(FeedSettings settings)
    {
        private UserState? _state;
        private UserInteraction? _last;

        public UserReplayState Apply(object @event)
        {
            switch (@event)
            {
                case UserInteraction interaction:
                    _state ??= new UserState(interaction.Event.UserId, settings);
                    _state.Apply(interaction);
                    _last = interaction;
                    break;
                case UserSnapshot snapshot:
                    _state = UserState.FromSnapshot(snapshot, settings);
                    break;
                default:
                    break;
            }

            return this;
        }

        public string Print()
        {
            if (_state is null)
            {
                return "(no events)";
            }

            var at = _state.LastEventAt ?? DateTimeOffset.UnixEpoch;
            var session = new float[_state.Dimension];
            _state.CopySession(at, session);
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"events={_state.EventCount} |embedding|={F(TensorPrimitives.Norm(_state.EmbeddingToArray()))} |session|={F(TensorPrimitives.Norm(session))}");
            if (_last is { } last)
            {
                text.Append(CultureInfo.InvariantCulture, $" after {last.Event.Type.ToWire()} {last.Event.VideoId} (topic {last.Video.Topic}, creator {last.Video.CreatorId}):");
                text.Append(CultureInfo.InvariantCulture, $" topic-fatigue={F(_state.TopicFatigue(last.Video.TopicKey, at))}");
                text.Append(CultureInfo.InvariantCulture, $" creator-fatigue={F(_state.CreatorFatigue(last.Video.CreatorKey, at))}");
                text.Append(CultureInfo.InvariantCulture, $" cos(user,video)={F(Cosine(_state.EmbeddingToArray(), last.Video.Embedding))}");
            }

            text.Append(CultureInfo.InvariantCulture, $" recent={_state.RecentCount} follows={_state.FollowCount} muted={_state.MutedTopicCount} blocked={_state.BlockedVideoCount}");
            return text.ToString();
        }

        private static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
            a.Length == b.Length && TensorPrimitives.Norm(a) > 0 && TensorPrimitives.Norm(b) > 0 ? TensorPrimitives.CosineSimilarity(a, b) : 0f;
    }

    /// <summary>The video being rebuilt (its id comes from its first interaction, or stays "video" until one is seen).</summary>
    private sealed class VideoReplayState(FeedSettings settings)
    {
        private VideoState? _state;
        private VideoRegistered? _pending;

        public VideoReplayState Apply(object @event)
        {
            switch (@event)
            {
                case VideoRegistered registered when _state is null:
                    // The registration does not carry the id; it is known once the first interaction names it.
                    _pending = registered;
                    _state = VideoActor.Apply(null, "video", registered, settings);
                    break;
                case VideoInteraction interaction when _state is not null && _state.VideoId != interaction.Event.VideoId && _pending is not null:
                    _state = VideoActor.Apply(null, interaction.Event.VideoId, _pending, settings);
                    _state!.Apply(interaction);
                    _pending = null;
                    break;
                case VideoSnapshot snapshot:
                    _state = VideoState.FromSnapshot(snapshot, settings);
                    _pending = null;
                    break;
                default:
                    _state = VideoActor.Apply(_state, _state?.VideoId ?? "video", @event, settings);
                    break;
            }

            return this;
        }

        public string Print() => _state is null
            ? "(not registered)"
            : string.Create(CultureInfo.InvariantCulture,
                $"events={_state.EventCount} |embedding|={F(_state.EmbeddingNorm)} impressions={_state.Impressions} views={_state.Views} completions={_state.Completions} likes={_state.Likes} shares={_state.Shares} skips={_state.Skips} watch-ratio={F(_state.MeanWatchRatio)} velocity={F(_state.Velocity)} stage={_state.StageName} ({_state.Promotion.Status.ToString().ToLowerInvariant()}, {_state.Promotion.Counters.StageImpressions} in stage)");
    }
}
