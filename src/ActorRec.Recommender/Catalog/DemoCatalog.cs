using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Catalog;

/// <summary>One generated video with its latent topic (ground truth for simulations and tests).</summary>
public sealed record DemoVideo(string VideoId, VideoUpload Upload, DateTimeOffset UploadedAt, int Topic, bool Established, DateTimeOffset HistoryAt);

/// <summary>Shape of a demo catalog.</summary>
public sealed record DemoCatalogOptions
{
    public int Videos { get; init; } = 10_000;

    public int Creators { get; init; } = 1_000;

    public int Topics { get; init; } = 40;

    public int Sounds { get; init; } = 400;

    /// <summary>Share of videos imported with history (the rest are new, in their test audience).</summary>
    public double EstablishedShare { get; init; } = 0.9;

    public ulong Seed { get; init; } = 42;

    /// <summary>Upload times spread over the 30 days before this instant.</summary>
    public DateTimeOffset Now { get; init; } = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>
/// A deterministic synthetic catalog for <c>actorrec serve</c> and tests: creators each specialise in one topic
/// (and post mostly in it), videos carry the topic's hashtag first (three in ten a second random one), a caption from the
/// topic's word list, a sound mostly from the topic's sounds, a region and a duration between 5 s and 3 min. Same
/// options, same catalog, on any machine.
/// </summary>
public static class DemoCatalog
{
    public static readonly string[] Regions = ["US", "GB", "DE", "FR", "BR", "IN", "JP", "MX"];

    private static readonly string[] TopicNames =
    [
        "cats", "dogs", "cooking", "baking", "fitness", "yoga", "soccer", "basketball", "gaming", "minecraft",
        "makeup", "fashion", "travel", "hiking", "diy", "woodworking", "guitar", "piano", "dance", "comedy",
        "science", "space", "history", "books", "cars", "motorbikes", "gardening", "plants", "coffee", "tea",
        "skateboarding", "surfing", "fishing", "camping", "painting", "drawing", "magic", "chess", "anime", "movies",
    ];

    private static readonly string[] Words =
    [
        "amazing", "quick", "easy", "best", "ever", "watch", "until", "end", "how", "make", "tips", "tricks", "day",
        "life", "routine", "first", "time", "trying", "new", "favorite", "secret", "simple", "guide", "fails", "wins",
    ];

    public static IReadOnlyList<DemoVideo> Generate(DemoCatalogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Videos, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Creators, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Topics, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Sounds, 1);
        var rng = new Random(unchecked((int)StableHash.Mix(options.Seed)));
        var creatorTopic = new int[options.Creators];
        var creatorRegion = new string[options.Creators];
        for (var c = 0; c < options.Creators; c++)
        {
            creatorTopic[c] = rng.Next(options.Topics);
            creatorRegion[c] = Regions[rng.Next(Regions.Length)];
        }

        var videos = new DemoVideo[options.Videos];
        for (var i = 0; i < videos.Length; i++)
        {
            var creator = rng.Next(options.Creators);
            var topic = rng.NextDouble() < 0.85 ? creatorTopic[creator] : rng.Next(options.Topics);
            var second = rng.NextDouble() < 0.3 ? rng.Next(options.Topics) : topic;
            var tags = second == topic ? new[] { TopicName(topic) } : new[] { TopicName(topic), TopicName(second) };
            var caption = $"{Words[rng.Next(Words.Length)]} {TopicName(topic)} {Words[rng.Next(Words.Length)]} {Words[rng.Next(Words.Length)]}";
            var soundsPerTopic = Math.Max(1, options.Sounds / options.Topics);
            var sound = rng.NextDouble() < 0.7 ? (topic * soundsPerTopic) + rng.Next(soundsPerTopic) : rng.Next(options.Sounds);
            var durationMs = (long)(5_000 * Math.Pow(36, rng.NextDouble()));
            var region = rng.NextDouble() < 0.8 ? creatorRegion[creator] : Regions[rng.Next(Regions.Length)];
            var established = rng.NextDouble() < options.EstablishedShare;
            var uploadedAt = established
                ? options.Now - TimeSpan.FromMinutes(rng.Next(60, 30 * 24 * 60))
                : options.Now - TimeSpan.FromMinutes(rng.Next(0, 60));
            var upload = new VideoUpload($"c{creator}", durationMs, tags, caption, $"s{sound % options.Sounds}", region);
            videos[i] = new DemoVideo($"v{i}", upload, uploadedAt, topic, established, options.Now);
        }

        return videos;
    }

    /// <summary>The hashtag of latent topic <paramref name="topic"/>.</summary>
    public static string TopicName(int topic) =>
        topic < TopicNames.Length ? TopicNames[topic] : $"{TopicNames[topic % TopicNames.Length]}{topic / TopicNames.Length}";

    /// <summary>
    /// Builds the video state of a demo video; established videos are seeded with a plausible history (deterministic
    /// per video) so that trending, completion priors and cold-start stages have something to show.
    /// </summary>
    public static VideoState CreateState(DemoVideo video, FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(video);
        ArgumentNullException.ThrowIfNull(settings);
        var state = new VideoState(video.VideoId, video.Upload, video.UploadedAt, settings);
        if (video.Established)
        {
            var h = StableHash.Key("demo:", video.VideoId);
            var impressions = 400 + (long)(h % 20_000);
            var views = impressions * (60 + (long)((h >> 16) % 35)) / 100;
            var completionRate = 0.3 + (((h >> 24) % 50) / 100.0);
            var completions = (long)(views * completionRate);
            var likes = views * (long)(2 + ((h >> 32) % 10)) / 100;
            var shares = views * (long)((h >> 40) % 4) / 100;
            // Most videos are quiet; one in ten has a recent burst of engagement (trending material).
            var velocity = (h >> 48) % 10 == 0 ? (float)((h >> 52) % 200) : (float)((h >> 52) % 20) / 10f;
            state.SeedHistory(impressions, views, completions, likes, shares, (float)Math.Min(1.0, completionRate + 0.1), velocity, video.HistoryAt);
        }

        return state;
    }
}
