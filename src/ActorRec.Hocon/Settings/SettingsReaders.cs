using System.Globalization;

namespace ActorRec.Hocon.Settings;

/// <summary>
/// Validating reads for typed settings. Each throws <see cref="SettingsException"/> naming the path: getter
/// errors (missing key, wrong type) are rethrown as such, and range checks add what was allowed.
/// </summary>
public static class SettingsReaders
{
    public static string GetRequiredString(this Config config, string path) =>
        Read(config, path, c => c.GetString(path) is { Length: > 0 } s ? s : throw new SettingsException(Full(config, path), "must not be empty", Origin(c, path)));

    /// <summary>A string, or null when the key is null or absent.</summary>
    public static string? GetOptionalString(this Config config, string path) =>
        Read(config, path, c => c.HasPath(path) ? c.GetString(path) : null);

    public static int GetPositiveInt(this Config config, string path) => GetIntInRange(config, path, 1, int.MaxValue);

    public static int GetNonNegativeInt(this Config config, string path) => GetIntInRange(config, path, 0, int.MaxValue);

    public static int GetIntInRange(this Config config, string path, int min, int max)
    {
        var value = Read(config, path, c => c.GetInt(path));
        return value >= min && value <= max ? value : throw OutOfRange(config, path, value.ToString(CultureInfo.InvariantCulture), min, max);
    }

    public static long GetLongInRange(this Config config, string path, long min, long max)
    {
        var value = Read(config, path, c => c.GetLong(path));
        return value >= min && value <= max ? value : throw OutOfRange(config, path, value.ToString(CultureInfo.InvariantCulture), min, max);
    }

    public static double GetDoubleInRange(this Config config, string path, double min, double max)
    {
        var value = Read(config, path, c => c.GetDouble(path));
        return value >= min && value <= max ? value : throw OutOfRange(config, path, value.ToString(CultureInfo.InvariantCulture), min, max);
    }

    public static TimeSpan GetPositiveDuration(this Config config, string path)
    {
        var value = Read(config, path, c => c.GetDuration(path));
        return value > TimeSpan.Zero ? value : throw new SettingsException(Full(config, path), $"must be a positive duration, got {value}", Origin(config, path));
    }

    public static TimeSpan GetNonNegativeDuration(this Config config, string path)
    {
        var value = Read(config, path, c => c.GetDuration(path));
        return value >= TimeSpan.Zero ? value : throw new SettingsException(Full(config, path), $"must not be negative, got {value}", Origin(config, path));
    }

    public static long GetPositiveBytes(this Config config, string path)
    {
        var value = Read(config, path, c => c.GetBytes(path));
        return value > 0 ? value : throw new SettingsException(Full(config, path), $"must be a positive size, got {value} bytes", Origin(config, path));
    }

    /// <summary>
    /// An enum member by name, case-insensitive, with '-' and '_' ignored (<c>round-robin</c> reads as
    /// <c>RoundRobin</c>); the error lists the allowed names.
    /// </summary>
    public static T GetEnum<T>(this Config config, string path)
        where T : struct, Enum
    {
        var text = Read(config, path, c => c.GetString(path));
        var wanted = Normalize(text);
        foreach (var name in Enum.GetNames<T>())
        {
            if (Normalize(name) == wanted)
            {
                return Enum.Parse<T>(name);
            }
        }

        var allowed = string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));
        throw new SettingsException(Full(config, path), $"'{text}' is not one of: {allowed}", Origin(config, path));
    }

    private static string Normalize(string s) =>
        s.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static T Read<T>(Config config, string path, Func<Config, T> read)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return read(config);
        }
        catch (HoconException e)
        {
            throw new SettingsException(Full(config, path), e.Reason, e.Origin, e);
        }
    }

    private static SettingsException OutOfRange(Config config, string path, string value, object min, object max) =>
        new(Full(config, path), $"must be between {min} and {max}, got {value}", Origin(config, path));

    private static string Full(Config config, string path) =>
        config.PathFromRoot is null ? path : config.PathFromRoot + "." + path;

    private static HoconOrigin? Origin(Config config, string path) =>
        config.TryGetValue(path, out var v) ? v?.Origin : null;
}
