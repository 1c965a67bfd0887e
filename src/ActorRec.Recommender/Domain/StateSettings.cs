using ActorRec.Recommender.Exploration;

namespace ActorRec.Recommender.Domain;

/// <summary>Per-user state sizes and decays (<c>actorrec.feed.user</c>).</summary>
public sealed record UserStateSettings
{
    /// <summary>Half-life of the short-term session vector.</summary>
    public TimeSpan SessionHalfLife { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Half-life of per-topic and per-creator fatigue counts.</summary>
    public TimeSpan FatigueHalfLife { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Recently engaged videos kept (ring).</summary>
    public int RecentCapacity { get; init; } = 12;

    /// <summary>Topic, creator and not-interested counters kept (the smallest is evicted).</summary>
    public int FatigueSlots { get; init; } = 16;

    /// <summary>Videos per seen-filter generation; the filter remembers between one and two generations.</summary>
    public int SeenWindow { get; init; } = 200;

    /// <summary>Bits per seen-filter generation (a multiple of 64).</summary>
    public int SeenBitsPerGeneration { get; init; } = 2048;

    /// <summary>Hash probes per seen-filter lookup.</summary>
    public int SeenHashes { get; init; } = 7;

    /// <summary>
    /// Event ids always remembered per user for idempotency: the last this many (see <see cref="AppliedIds"/>).
    /// </summary>
    public int IdempotencyWindow { get; init; } = 24;

    /// <summary>
    /// Ids of events whose timestamp lies within this span of the user's newest event are remembered too, however
    /// many came in between: a client may re-send a batch (same ids and timestamps) within this span.
    /// </summary>
    public TimeSpan IdempotencyHorizon { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most event ids remembered per user (12 bytes each up to 64, about 13-16 beyond, see <see cref="AppliedIds"/>); the oldest go first beyond it.</summary>
    public int IdempotencyMax { get; init; } = 4096;

    /// <summary>Not-interested events on one topic (decayed with the fatigue half-life) before the topic is muted.</summary>
    public int MuteTopicAfter { get; init; } = 2;

    /// <summary>Most follows, muted topics and blocked videos kept together; further ones are ignored.</summary>
    public int MaxListEntries { get; init; } = 512;

    internal void Validate(string p)
    {
        SettingCheck.Positive($"{p}.session-half-life", SessionHalfLife);
        SettingCheck.Positive($"{p}.fatigue-half-life", FatigueHalfLife);
        SettingCheck.Range($"{p}.recent-capacity", RecentCapacity, 1, 1024);
        SettingCheck.Range($"{p}.fatigue-slots", FatigueSlots, 1, 1024);
        SettingCheck.Range($"{p}.seen-window", SeenWindow, 1, 1_000_000);
        SettingCheck.Range($"{p}.seen-bits-per-generation", SeenBitsPerGeneration, 64, 1 << 26);
        if (SeenBitsPerGeneration % 64 != 0)
        {
            throw new FeedSettingsException($"{p}.seen-bits-per-generation", $"must be a multiple of 64 (got {SeenBitsPerGeneration})");
        }

        SettingCheck.Range($"{p}.seen-hashes", SeenHashes, 1, 32);
        SettingCheck.Range($"{p}.idempotency-window", IdempotencyWindow, 1, 1_000_000);
        SettingCheck.NonNegative($"{p}.idempotency-horizon", IdempotencyHorizon);
        SettingCheck.Range($"{p}.idempotency-max", IdempotencyMax, IdempotencyWindow, 10_000_000);
        SettingCheck.Range($"{p}.mute-topic-after", MuteTopicAfter, 1, 1000);
        SettingCheck.Range($"{p}.max-list-entries", MaxListEntries, 1, 1_000_000);
    }
}

/// <summary>Per-video state (<c>actorrec.feed.video</c>): content hashing, velocity, cold-start stages.</summary>
public sealed record VideoStateSettings
{
    /// <summary>Half-life of the engagement velocity.</summary>
    public TimeSpan VelocityHalfLife { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Event ids always remembered per video for idempotency: the last this many (see <see cref="AppliedIds"/>).</summary>
    public int IdempotencyWindow { get; init; } = 256;

    /// <summary>Ids of events within this span of the video's newest event are remembered too.</summary>
    public TimeSpan IdempotencyHorizon { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most event ids remembered per video (12 bytes each up to 64, about 13-16 beyond, see <see cref="AppliedIds"/>); the oldest go first beyond it.</summary>
    public int IdempotencyMax { get; init; } = 65_536;

    /// <summary>Feature-hashing weights of the content embedding.</summary>
    public float HashtagWeight { get; init; } = 1f;

    public float CaptionWeight { get; init; } = 0.4f;

    public float SoundWeight { get; init; } = 0.5f;

    public float CreatorWeight { get; init; } = 0.5f;

    /// <summary>The cold-start ladder (test audience, growing pools, then the final "all" stage); see <see cref="VideoPromotion"/>.</summary>
    public PromotionSettings Promotion { get; init; } = PromotionSettings.Default;

    internal void Validate(string p)
    {
        SettingCheck.Positive($"{p}.velocity-half-life", VelocityHalfLife);
        SettingCheck.Range($"{p}.idempotency-window", IdempotencyWindow, 1, 1_000_000);
        SettingCheck.NonNegative($"{p}.idempotency-horizon", IdempotencyHorizon);
        SettingCheck.Range($"{p}.idempotency-max", IdempotencyMax, IdempotencyWindow, 10_000_000);
        SettingCheck.NonNegative($"{p}.hashtag-weight", HashtagWeight);
        SettingCheck.NonNegative($"{p}.caption-weight", CaptionWeight);
        SettingCheck.NonNegative($"{p}.sound-weight", SoundWeight);
        SettingCheck.NonNegative($"{p}.creator-weight", CreatorWeight);
        try
        {
            PromotionSettings.Create(Promotion, $"{p}.promotion-stages");
        }
        catch (ArgumentException e)
        {
            throw new FeedSettingsException($"{p}.promotion-stages", e.Message);
        }
    }
}
