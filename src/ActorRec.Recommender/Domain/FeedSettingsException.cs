namespace ActorRec.Recommender.Domain;

/// <summary>A feed setting is out of range; <see cref="Key"/> is its HOCON path (e.g. <c>actorrec.feed.embedding-dim</c>).</summary>
public sealed class FeedSettingsException : ArgumentException
{
    public FeedSettingsException(string key, string message)
        : base($"{key}: {message}")
    {
        Key = key;
    }

    public FeedSettingsException()
        : this("actorrec.feed", "invalid setting")
    {
    }

    public FeedSettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = "actorrec.feed";
    }

    public string Key { get; } = "actorrec.feed";
}

/// <summary>Range checks for settings that name the offending key.</summary>
internal static class SettingCheck
{
    public static void Positive(string key, double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new FeedSettingsException(key, $"must be a finite number > 0 (got {value})");
        }
    }

    public static void NonNegative(string key, double value)
    {
        if (!(value >= 0) || !double.IsFinite(value))
        {
            throw new FeedSettingsException(key, $"must be a finite number >= 0 (got {value})");
        }
    }

    public static void Range(string key, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
        {
            throw new FeedSettingsException(key, $"must be in [{min}, {max}] (got {value})");
        }
    }

    public static void Positive(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new FeedSettingsException(key, $"must be a positive duration (got {value})");
        }
    }

    public static void NonNegative(string key, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new FeedSettingsException(key, $"must be a duration >= 0 (got {value})");
        }
    }
}
