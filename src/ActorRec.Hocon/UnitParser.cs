using System.Globalization;
using System.Numerics;

namespace ActorRec.Hocon;

/// <summary>
/// Durations and memory sizes written as strings: a number, optional spaces, then a unit
/// (<c>10s</c>, <c>1.5 hours</c>, <c>512MiB</c>, <c>10kB</c>). Units follow the reference implementation:
/// durations take ns/us/ms/s/m/h/d and their long forms (singular or plural), a bare number means
/// milliseconds; sizes take B, K/k/Ki/KiB/kibibytes (1024) and kB/kilobytes (1000) and so on up to Y,
/// and a bare number means bytes. Results that do not fit a signed 64-bit count are errors.
/// </summary>
public static class UnitParser
{
    private static readonly Dictionary<string, long> DurationUnits = new(StringComparer.Ordinal)
    {
        [""] = 1_000_000,
        ["ms"] = 1_000_000,
        ["millis"] = 1_000_000,
        ["milliseconds"] = 1_000_000,
        ["us"] = 1_000,
        ["micros"] = 1_000,
        ["microseconds"] = 1_000,
        ["ns"] = 1,
        ["nanos"] = 1,
        ["nanoseconds"] = 1,
        ["s"] = 1_000_000_000,
        ["seconds"] = 1_000_000_000,
        ["m"] = 60_000_000_000,
        ["minutes"] = 60_000_000_000,
        ["h"] = 3_600_000_000_000,
        ["hours"] = 3_600_000_000_000,
        ["d"] = 86_400_000_000_000,
        ["days"] = 86_400_000_000_000,
    };

    private static readonly Dictionary<string, BigInteger> SizeUnits = BuildSizeUnits();

    /// <summary>Parses a duration string into nanoseconds; throws <see cref="FormatException"/> naming the problem.</summary>
    public static long ParseDurationNanos(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, unit) = Split(text);
        var key = unit.Length > 2 && !unit.EndsWith('s') ? unit + "s" : unit;
        if (!DurationUnits.TryGetValue(key, out var factor))
        {
            throw new FormatException($"unknown duration unit '{unit}' in \"{text}\" (use ns, us, ms, s, m, h, d or nanoseconds, microseconds, milliseconds, seconds, minutes, hours, days)");
        }

        return Scale(number, factor, text, "duration");
    }

    /// <summary>Parses a size string into bytes; throws <see cref="FormatException"/> naming the problem.</summary>
    public static long ParseBytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, unit) = Split(text);
        if (!SizeUnits.TryGetValue(unit, out var factor))
        {
            throw new FormatException($"unknown size unit '{unit}' in \"{text}\" (use B, K/Ki/KiB/kibibytes for 1024, kB/kilobytes for 1000, and M, G, T, P, E likewise)");
        }

        return Scale(number, factor, text, "size");
    }

    private static (string Number, string Unit) Split(string text)
    {
        var s = text.Trim();
        var i = s.Length;
        while (i > 0 && char.IsLetter(s[i - 1]))
        {
            i--;
        }

        var number = s[..i].Trim();
        if (number.Length == 0)
        {
            throw new FormatException($"no number in \"{text}\": expected a number followed by an optional unit");
        }

        return (number, s[i..]);
    }

    private static long Scale(string number, BigInteger factor, string text, string what)
    {
        BigInteger result;
        if (IsInteger(number))
        {
            result = BigInteger.Parse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) * factor;
        }
        else if (double.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                     CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            var scaled = d * (double)factor;
            if (scaled >= 9.2233720368547758E18 || scaled < -9.2233720368547758E18)
            {
                throw new FormatException($"{what} \"{text}\" is out of range for a signed 64-bit count");
            }

            return (long)scaled;
        }
        else
        {
            throw new FormatException($"invalid number '{number}' in {what} \"{text}\"");
        }

        if (result > long.MaxValue || result < long.MinValue)
        {
            throw new FormatException($"{what} \"{text}\" is out of range for a signed 64-bit count");
        }

        return (long)result;
    }

    private static bool IsInteger(string s)
    {
        var i = s.Length > 0 && (s[0] == '+' || s[0] == '-') ? 1 : 0;
        if (i >= s.Length)
        {
            return false;
        }

        for (; i < s.Length; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static Dictionary<string, BigInteger> BuildSizeUnits()
    {
        var map = new Dictionary<string, BigInteger>(StringComparer.Ordinal)
        {
            [""] = 1,
            ["b"] = 1,
            ["B"] = 1,
            ["byte"] = 1,
            ["bytes"] = 1,
        };
        string[] binary = ["kibi", "mebi", "gibi", "tebi", "pebi", "exbi", "zebi", "yobi"];
        string[] decimalPrefixes = ["kilo", "mega", "giga", "tera", "peta", "exa", "zetta", "yotta"];
        for (var p = 0; p < binary.Length; p++)
        {
            var power = p + 1;
            var two = BigInteger.Pow(1024, power);
            var ten = BigInteger.Pow(1000, power);
            var letter = decimalPrefixes[p][..1];
            var upper = letter.ToUpperInvariant();
            map[binary[p] + "byte"] = two;
            map[binary[p] + "bytes"] = two;
            map[letter] = two;
            map[upper] = two;
            map[upper + "i"] = two;
            map[upper + "iB"] = two;
            map[decimalPrefixes[p] + "byte"] = ten;
            map[decimalPrefixes[p] + "bytes"] = ten;
            map[(power == 1 ? letter : upper) + "B"] = ten;
        }

        return map;
    }
}
