using System.Globalization;

namespace ActorRec.Hocon;

/// <summary>The kinds of value a resolved config tree holds.</summary>
public enum HoconValueType
{
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,

    /// <summary>A substitution, concatenation or merge that needs <see cref="Config.Resolve()"/>.</summary>
    Unresolved,
}

/// <summary>
/// A node of a config tree. Resolved trees hold only objects, arrays, strings, numbers, booleans and null;
/// unresolved trees (straight from the parser) also hold substitutions, concatenations and merge stacks.
/// Values are immutable once a parse returns.
/// </summary>
public abstract class HoconValue
{
    private protected HoconValue(HoconOrigin? origin) => Origin = origin;

    public HoconOrigin? Origin { get; }

    public abstract HoconValueType Type { get; }

    /// <summary>True when this value and everything under it needs no substitution.</summary>
    public abstract bool IsResolved { get; }

    /// <summary>Renders as JSON (<paramref name="json"/> true) or HOCON; see <see cref="HoconRenderer"/>.</summary>
    public string Render(bool json = false, bool indent = true) => HoconRenderer.Render(this, json, indent);

    /// <summary>The text this value contributes to a string concatenation, or null for objects and arrays.</summary>
    internal virtual string? ConcatText => null;

    public override string ToString() => IsResolved ? Render(json: false, indent: false) : $"<unresolved {GetType().Name}>";

    /// <summary>Structural equality: objects as maps, arrays in order, numbers by value, strings exactly.</summary>
    public static bool ValueEquals(HoconValue? a, HoconValue? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null)
        {
            return false;
        }

        switch (a)
        {
            case HoconObject oa when b is HoconObject ob:
                if (oa.Count != ob.Count)
                {
                    return false;
                }

                foreach (var (key, value) in oa)
                {
                    if (!ob.TryGetValue(key, out var other) || !ValueEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            case HoconArray aa when b is HoconArray ab:
                if (aa.Count != ab.Count)
                {
                    return false;
                }

                for (var i = 0; i < aa.Count; i++)
                {
                    if (!ValueEquals(aa[i], ab[i]))
                    {
                        return false;
                    }
                }

                return true;
            case HoconString sa when b is HoconString sb:
                return string.Equals(sa.Value, sb.Value, StringComparison.Ordinal);
            case HoconNumber na when b is HoconNumber nb:
                return HoconNumber.NumericEquals(na, nb);
            case HoconBoolean ba when b is HoconBoolean bb:
                return ba.Value == bb.Value;
            case HoconNull when b is HoconNull:
                return true;
            default:
                return false;
        }
    }
}

/// <summary>A string value.</summary>
public sealed class HoconString : HoconValue
{
    public HoconString(string value, HoconOrigin? origin = null)
        : this(value, origin, isUnquotedWhitespace: false)
    {
    }

    internal HoconString(string value, HoconOrigin? origin, bool isUnquotedWhitespace)
        : base(origin)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
        IsUnquotedWhitespace = isUnquotedWhitespace;
    }

    public string Value { get; }

    /// <summary>Unquoted whitespace between the pieces of a concatenation: dropped next to objects and arrays.</summary>
    internal bool IsUnquotedWhitespace { get; }

    public override HoconValueType Type => HoconValueType.String;

    public override bool IsResolved => true;

    internal override string ConcatText => Value;
}

/// <summary>
/// A number. The original text is kept (getString returns it and concatenations use it); integers that fit
/// a signed 64-bit value are held exactly as <see cref="long"/>, every other number as <see cref="double"/>.
/// </summary>
public sealed class HoconNumber : HoconValue
{
    private HoconNumber(string text, long? integer, double floating, HoconOrigin? origin)
        : base(origin)
    {
        Text = text;
        Integer = integer;
        Double = floating;
    }

    /// <summary>The number as written in the source.</summary>
    public string Text { get; }

    /// <summary>The exact value when the number is an integer within 64 bits.</summary>
    public long? Integer { get; }

    /// <summary>The value as a double (exact when <see cref="Integer"/> is null).</summary>
    public double Double { get; }

    public override HoconValueType Type => HoconValueType.Number;

    public override bool IsResolved => true;

    internal override string ConcatText => Text;

    /// <summary>The value as a decimal, parsed from the original text (exact up to 28 significant digits); null when out of decimal range.</summary>
    public decimal? ToDecimal() =>
        decimal.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    public static HoconNumber FromLong(long value, HoconOrigin? origin = null) =>
        new(value.ToString(CultureInfo.InvariantCulture), value, value, origin);

    public static HoconNumber FromDouble(double value, HoconOrigin? origin = null)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "HOCON numbers must be finite.");
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains('.', StringComparison.Ordinal) && !text.Contains('E', StringComparison.Ordinal))
        {
            text += ".0";
        }

        return new HoconNumber(text, null, value, origin);
    }

    /// <summary>Parses number text with the HOCON/JSON number grammar; null when it is not a number.</summary>
    public static HoconNumber? TryParse(string text, HoconOrigin? origin = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!IsNumberSyntax(text, out var integral))
        {
            return null;
        }

        if (integral)
        {
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                ? new HoconNumber(text, l, l, origin)
                : null;
        }

        var d = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsFinite(d) ? new HoconNumber(text, null, d, origin) : null;
    }

    internal static bool NumericEquals(HoconNumber a, HoconNumber b)
    {
        if (a.Integer is { } x && b.Integer is { } y)
        {
            return x == y;
        }

        return a.Double.Equals(b.Double);
    }

    /// <summary>
    /// Java's number grammar as the reference tokenizer applies it: <c>-?digits</c> for integers, and
    /// <c>-?(digits[.digits?]|.digits)([eE][+-]?digits)?</c> for the rest.
    /// </summary>
    private static bool IsNumberSyntax(string s, out bool integral)
    {
        integral = false;
        var i = 0;
        if (i < s.Length && (s[i] == '-' || s[i] == '+'))
        {
            i++;
        }

        var intDigits = CountDigits(s, ref i);
        var fracDigits = 0;
        var hasDot = false;
        if (i < s.Length && s[i] == '.')
        {
            hasDot = true;
            i++;
            fracDigits = CountDigits(s, ref i);
        }

        if (intDigits + fracDigits == 0)
        {
            return false;
        }

        var hasExp = false;
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            hasExp = true;
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-'))
            {
                i++;
            }

            if (CountDigits(s, ref i) == 0)
            {
                return false;
            }
        }

        integral = !hasDot && !hasExp;
        return i == s.Length;
    }

    private static int CountDigits(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        return i - start;
    }
}

/// <summary>true or false.</summary>
public sealed class HoconBoolean : HoconValue
{
    public HoconBoolean(bool value, HoconOrigin? origin = null)
        : base(origin) => Value = value;

    public bool Value { get; }

    public override HoconValueType Type => HoconValueType.Boolean;

    public override bool IsResolved => true;

    internal override string ConcatText => Value ? "true" : "false";
}

/// <summary>An explicit null: the key is present, its value is null.</summary>
public sealed class HoconNull : HoconValue
{
    public HoconNull(HoconOrigin? origin = null)
        : base(origin)
    {
    }

    public override HoconValueType Type => HoconValueType.Null;

    public override bool IsResolved => true;

    internal override string ConcatText => "null";
}
