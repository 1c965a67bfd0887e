using System.Globalization;

namespace ActorRec.Cluster;

/// <summary>
/// Parses raw configuration strings (HOCON value syntax for durations and sizes) for one section,
/// turning every parse failure into a <see cref="ClusterSettingsException"/> that names the key.
/// </summary>
internal sealed class SettingsReader(Func<string, string?> lookup, string section)
{
    public string String(string key, string fallback) => Raw(key) ?? fallback;

    public int Int(string key, int fallback) =>
        Raw(key) is { } raw
            ? int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(key, raw, "an integer")
            : fallback;

    public bool Bool(string key, bool fallback) =>
        Raw(key) is { } raw
            ? raw.ToLowerInvariant() switch
            {
                "true" or "on" or "yes" => true,
                "false" or "off" or "no" => false,
                _ => throw Bad(key, raw, "a boolean (true/false, on/off, yes/no)"),
            }
            : fallback;

    public double Double(string key, double fallback) =>
        Raw(key) is { } raw
            ? double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(key, raw, "a number")
            : fallback;

    public TEnum Enum<TEnum>(string key, TEnum fallback)
        where TEnum : struct, Enum =>
        Raw(key) is { } raw
            ? System.Enum.TryParse<TEnum>(raw.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var v) && System.Enum.IsDefined(v)
                ? v
                : throw Bad(key, raw, "one of " + string.Join(", ", System.Enum.GetNames<TEnum>()).ToLowerInvariant())
            : fallback;

    public IReadOnlyList<string> StringList(string key, IReadOnlyList<string> fallback)
    {
        if (Raw(key) is not { } raw)
        {
            return fallback;
        }

        var trimmed = raw.Trim().TrimStart('[').TrimEnd(']');
        return trimmed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.Trim('"'))
            .Where(s => s.Length > 0)
            .ToArray();
    }

    public TimeSpan Duration(string key, TimeSpan fallback) =>
        Raw(key) is { } raw ? TryParseDuration(raw, out var v) ? v : throw Bad(key, raw, "a duration such as 500ms, 2s, 1m") : fallback;

    public int Size(string key, int fallback) =>
        Raw(key) is { } raw ? TryParseSize(raw, out var v) ? v : throw Bad(key, raw, "a size such as 4096, 64KiB, 4MiB") : fallback;

    internal static bool TryParseDuration(string raw, out TimeSpan value)
    {
        value = default;
        var (number, unit) = Split(raw);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0 || !double.IsFinite(n))
        {
            return false;
        }

        double? ms = unit switch
        {
            "ms" or "millis" or "milliseconds" => n,
            "" or "s" or "seconds" or "second" => n * 1000,
            "m" or "minutes" or "minute" => n * 60_000,
            "h" or "hours" or "hour" => n * 3_600_000,
            _ => null,
        };
        if (ms is not { } m)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(m);
        return true;
    }

    internal static bool TryParseSize(string raw, out int value)
    {
        value = 0;
        var (number, unit) = Split(raw);
        if (!long.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 0)
        {
            return false;
        }

        long? factor = unit switch
        {
            "" or "b" or "bytes" => 1,
            "k" or "kb" or "kib" => 1024,
            "m" or "mb" or "mib" => 1024 * 1024,
            "g" or "gb" or "gib" => 1024L * 1024 * 1024,
            _ => null,
        };
        if (factor is not { } f || n * f > int.MaxValue)
        {
            return false;
        }

        value = (int)(n * f);
        return true;
    }

    private static (string Number, string Unit) Split(string raw)
    {
        var s = raw.Trim();
        var i = 0;
        while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.'))
        {
            i++;
        }

        return (s[..i], s[i..].Trim().ToLowerInvariant());
    }

    private string? Raw(string key)
    {
        var raw = lookup(section + "." + key);
        return raw?.Trim().Trim('"');
    }

    private ClusterSettingsException Bad(string key, string raw, string expected) =>
        new(section + "." + key, $"'{raw}' is not {expected}");
}
