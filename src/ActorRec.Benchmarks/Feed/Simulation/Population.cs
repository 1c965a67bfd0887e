using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;

namespace ActorRec.Benchmarks.Feed.Simulation;

/// <summary>A simulated video: its latent topic (-1: none of the simulated topics) and quality are ground truth the server never sees.</summary>
public sealed record SimVideo(string VideoId, int Topic, double Quality, VideoUploadDto Upload);

/// <summary>A simulated user: a taste over the latent topics (weights sum to 1).</summary>
public sealed record SimUser(string UserId, double[] Interest, string Region, string Device)
{
    /// <summary>Affinity for <paramref name="topic"/> in [0, 1] (1 for the favourite topic).</summary>
    public double Affinity(int topic)
    {
        var max = 0.0;
        foreach (var w in Interest)
        {
            max = Math.Max(max, w);
        }

        return max <= 0 || (uint)topic >= (uint)Interest.Length ? 0 : Interest[topic] / max;
    }
}

/// <summary>What one person did with one feed item.</summary>
public readonly record struct Reaction(string Type, long WatchMs, double WatchRatio, bool Completed, bool Liked, bool Shared, bool Followed, bool NotInterested);

/// <summary>
/// The synthetic world of <c>actorrec simulate</c>. Users like two or three topics (weights 0.6/0.3 and a little for
/// everything else); videos belong to one latent topic, tagged with that topic's hashtag (and one in four with a
/// random second one), last 5 s to 3 min and have a quality. Watching follows the match and the length: the chance
/// to finish a video is <c>0.05 + 0.85 · affinity · quality · 1/(1 + seconds/60)</c>; finished videos are sometimes
/// replayed, liked, shared, their creator followed (more likely with affinity); unfinished ones are watched for a
/// fraction that grows with affinity, and below 15% they are skips; a poor match is sometimes marked not-interested.
/// Everything is drawn from a seeded generator: same options, same world.
/// </summary>
public sealed class Population
{
    private static readonly string[] Devices = ["ios", "android", "web"];
    private readonly int _topics;

    public Population(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rng = new Random(unchecked((int)StableHash.Mix(options.Seed)));
        var topics = options.Topics;
        _topics = topics;
        var videos = new SimVideo[options.Videos];
        var creatorsPerTopic = Math.Max(1, options.Videos / topics / 5);
        for (var i = 0; i < videos.Length; i++)
        {
            var topic = i % topics;
            var tags = rng.NextDouble() < 0.25 ? new[] { DemoCatalog.TopicName(topic), DemoCatalog.TopicName(rng.Next(topics)) } : [DemoCatalog.TopicName(topic)];
            var duration = (long)(5_000 * Math.Pow(36, rng.NextDouble()));
            var creator = $"{options.IdPrefix}-c{topic}-{rng.Next(creatorsPerTopic)}";
            var upload = new VideoUploadDto(creator, duration, tags, $"{DemoCatalog.TopicName(topic)} clip {i}", $"{options.IdPrefix}-s{topic}",
                DemoCatalog.Regions[rng.Next(DemoCatalog.Regions.Length)]);
            videos[i] = new SimVideo($"{options.IdPrefix}-v{i}", topic, 0.6 + (0.4 * rng.NextDouble()), upload);
        }

        var users = new SimUser[options.Users];
        for (var u = 0; u < users.Length; u++)
        {
            var interest = new double[topics];
            for (var t = 0; t < topics; t++)
            {
                interest[t] = 0.1 / topics;
            }

            var first = rng.Next(topics);
            var second = rng.Next(topics);
            interest[first] += 0.6;
            interest[second] += 0.3;
            users[u] = new SimUser($"{options.IdPrefix}-u{u}", interest, DemoCatalog.Regions[rng.Next(DemoCatalog.Regions.Length)], Devices[rng.Next(Devices.Length)]);
        }

        Videos = videos;
        Users = users;
        VideoById = new Dictionary<string, SimVideo>(videos.Length, StringComparer.Ordinal);
        foreach (var v in videos)
        {
            VideoById[v.VideoId] = v;
        }
    }

    public IReadOnlyList<SimVideo> Videos { get; }

    public IReadOnlyList<SimUser> Users { get; }

    public Dictionary<string, SimVideo> VideoById { get; }

    /// <summary>The latent topic whose hashtag is <paramref name="hashtag"/>, or -1.</summary>
    public int TopicOf(string hashtag)
    {
        for (var t = 0; t < _topics; t++)
        {
            if (string.Equals(DemoCatalog.TopicName(t), hashtag, StringComparison.Ordinal))
            {
                return t;
            }
        }

        return -1;
    }

    /// <summary>How <paramref name="user"/> reacts to <paramref name="video"/> (see the class summary).</summary>
    public static Reaction React(SimUser user, SimVideo video, Random rng)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(video);
        ArgumentNullException.ThrowIfNull(rng);
        var affinity = user.Affinity(video.Topic);
        var duration = video.Upload.DurationMs;
        var lengthFactor = 1.0 / (1.0 + (duration / 60_000.0));
        var pComplete = 0.05 + (0.85 * affinity * video.Quality * lengthFactor);
        if (rng.NextDouble() < pComplete)
        {
            var replay = rng.NextDouble() < 0.2 * affinity;
            return new Reaction("view", replay ? 2 * duration : duration, 1.0, true,
                rng.NextDouble() < 0.4 * affinity, rng.NextDouble() < 0.1 * affinity, rng.NextDouble() < 0.03 * affinity, false);
        }

        var ratio = rng.NextDouble() * 0.6 * (0.3 + affinity);
        var watchMs = Math.Max(1, (long)(ratio * duration));
        var notInterested = affinity < 0.2 && rng.NextDouble() < 0.05;
        return new Reaction(ratio < 0.15 ? "skip" : "view", watchMs, ratio, false, false, false, false, notInterested);
    }
}
