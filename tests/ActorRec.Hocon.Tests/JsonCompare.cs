using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace ActorRec.Hocon.Tests;

/// <summary>Structural comparison of a resolved HOCON value with expected JSON (suite rule 3).</summary>
internal static class JsonCompare
{
    public static string? Difference(HoconValue actual, JsonElement expected, string at = "$")
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                if (actual is not HoconObject obj)
                {
                    return $"{at}: expected an object, got {actual.Type}";
                }

                var count = 0;
                foreach (var p in expected.EnumerateObject())
                {
                    count++;
                    if (!obj.TryGetValue(p.Name, out var child))
                    {
                        return $"{at}: missing key \"{p.Name}\"";
                    }

                    var diff = Difference(child, p.Value, $"{at}.{p.Name}");
                    if (diff is not null)
                    {
                        return diff;
                    }
                }

                return count == obj.Count ? null : $"{at}: unexpected keys [{string.Join(", ", obj.Keys.Where(k => !expected.TryGetProperty(k, out _)))}]";
            case JsonValueKind.Array:
                if (actual is not HoconArray arr)
                {
                    return $"{at}: expected an array, got {actual.Type}";
                }

                if (arr.Count != expected.GetArrayLength())
                {
                    return $"{at}: expected {expected.GetArrayLength()} elements, got {arr.Count}";
                }

                var i = 0;
                foreach (var e in expected.EnumerateArray())
                {
                    var diff = Difference(arr[i], e, $"{at}[{i}]");
                    if (diff is not null)
                    {
                        return diff;
                    }

                    i++;
                }

                return null;
            case JsonValueKind.String:
                return actual is HoconString s && s.Value == expected.GetString()
                    ? null
                    : $"{at}: expected string \"{expected.GetString()}\", got {Show(actual)}";
            case JsonValueKind.Number:
                return actual is HoconNumber n && NumbersEqual(n.Text, expected.GetRawText())
                    ? null
                    : $"{at}: expected number {expected.GetRawText()}, got {Show(actual)}";
            case JsonValueKind.True or JsonValueKind.False:
                return actual is HoconBoolean b && b.Value == expected.GetBoolean()
                    ? null
                    : $"{at}: expected {expected.GetRawText()}, got {Show(actual)}";
            default:
                return actual is HoconNull ? null : $"{at}: expected null, got {Show(actual)}";
        }
    }

    /// <summary>Integers compare exactly (BigInteger), anything else by double value.</summary>
    public static bool NumbersEqual(string a, string b)
    {
        if (BigInteger.TryParse(a, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x)
            && BigInteger.TryParse(b, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var y))
        {
            return x == y;
        }

        return double.Parse(a, NumberStyles.Float, CultureInfo.InvariantCulture)
            .Equals(double.Parse(b, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private static string Show(HoconValue v) => v.IsResolved ? v.Render(json: true, indent: false) : v.Type.ToString();
}
