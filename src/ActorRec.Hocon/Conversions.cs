using System.Globalization;

namespace ActorRec.Hocon;

/// <summary>Typed reads of single values, shared by the getters and the list getters.</summary>
internal static class Conversions
{
    public static HoconException WrongType(HoconValue value, string path, string expected, string? detail = null) =>
        new($"'{path}': expected {expected}, got {Concatenation.Describe(value)}{(detail is null ? "" : $" ({detail})")}", value.Origin, path);

    public static string ToString(HoconValue value, string path) => value switch
    {
        HoconString s => s.Value,
        HoconNumber n => n.Text,
        HoconBoolean b => b.Value ? "true" : "false",
        _ => throw WrongType(value, path, "string"),
    };

    public static long ToLong(HoconValue value, string path)
    {
        var number = AsNumber(value, path, "long (64-bit integer)");
        if (number.Integer is { } l)
        {
            return l;
        }

        var d = number.Double;
        if (d != Math.Floor(d) || d >= 9.2233720368547758E18 || d < -9.2233720368547758E18)
        {
            throw WrongType(value, path, "long (64-bit integer)", "not a whole number within 64 bits");
        }

        return (long)d;
    }

    public static int ToInt(HoconValue value, string path)
    {
        long l;
        try
        {
            l = ToLong(value, path);
        }
        catch (HoconException)
        {
            throw WrongType(value, path, "int (32-bit integer)", "not a whole number within 64 bits");
        }

        if (l is < int.MinValue or > int.MaxValue)
        {
            throw WrongType(value, path, "int (32-bit integer)", "out of the 32-bit range");
        }

        return (int)l;
    }

    public static double ToDouble(HoconValue value, string path) => AsNumber(value, path, "number").Double;

    public static decimal ToDecimal(HoconValue value, string path) =>
        AsNumber(value, path, "decimal number").ToDecimal() ?? throw WrongType(value, path, "decimal number", "out of the decimal range");

    public static bool ToBoolean(HoconValue value, string path)
    {
        switch (value)
        {
            case HoconBoolean b:
                return b.Value;
            case HoconString s:
                switch (s.Value.ToLowerInvariant())
                {
                    case "true" or "yes" or "on":
                        return true;
                    case "false" or "no" or "off":
                        return false;
                }

                break;
        }

        throw WrongType(value, path, "boolean (true/false/yes/no/on/off)");
    }

    public static long ToDurationNanos(HoconValue value, string path)
    {
        switch (value)
        {
            case HoconNumber n:
                return Scale(n, 1_000_000, value, path, "duration");
            case HoconString s:
                try
                {
                    return UnitParser.ParseDurationNanos(s.Value);
                }
                catch (FormatException e)
                {
                    throw WrongType(value, path, "duration (a number of milliseconds or a string like \"10s\")", e.Message);
                }

            default:
                throw WrongType(value, path, "duration (a number of milliseconds or a string like \"10s\")");
        }
    }

    public static long ToBytes(HoconValue value, string path)
    {
        switch (value)
        {
            case HoconNumber n:
                return Scale(n, 1, value, path, "size in bytes");
            case HoconString s:
                try
                {
                    return UnitParser.ParseBytes(s.Value);
                }
                catch (FormatException e)
                {
                    throw WrongType(value, path, "size in bytes (a number or a string like \"512MiB\")", e.Message);
                }

            default:
                throw WrongType(value, path, "size in bytes (a number or a string like \"512MiB\")");
        }
    }

    private static long Scale(HoconNumber n, long factor, HoconValue value, string path, string what)
    {
        if (n.Integer is { } l)
        {
            try
            {
                return checked(l * factor);
            }
            catch (OverflowException)
            {
                throw WrongType(value, path, what, "out of the 64-bit range");
            }
        }

        var d = n.Double * factor;
        if (d >= 9.2233720368547758E18 || d < -9.2233720368547758E18)
        {
            throw WrongType(value, path, what, "out of the 64-bit range");
        }

        return (long)d;
    }

    private static HoconNumber AsNumber(HoconValue value, string path, string expected)
    {
        switch (value)
        {
            case HoconNumber n:
                return n;
            case HoconString s:
                var trimmed = s.Value.Trim();
                var parsed = HoconNumber.TryParse(trimmed, value.Origin);
                if (parsed is not null)
                {
                    return parsed;
                }

                if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                {
                    return HoconNumber.FromDouble(d, value.Origin);
                }

                break;
        }

        throw WrongType(value, path, expected);
    }
}
