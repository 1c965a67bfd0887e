using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorRec.Hocon;

/// <summary>
/// Renders resolved values as JSON or as HOCON. Both forms parse back (as JSON or HOCON) to an equal value:
/// strings are always quoted with JSON escapes, numbers keep their original text (JSON output falls back
/// to a canonical form when that text is not valid JSON, such as <c>007</c>).
/// </summary>
public static partial class HoconRenderer
{
    public static string Render(HoconValue value, bool json, bool indent)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder();
        Write(sb, value, json, indent, 0);
        return sb.ToString();
    }

    /// <summary>A JSON string literal for <paramref name="s"/>.</summary>
    public static string Quote(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var sb = new StringBuilder(s.Length + 2);
        WriteQuoted(sb, s);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, HoconValue value, bool json, bool indent, int level)
    {
        switch (value)
        {
            case HoconObject obj:
                WriteObject(sb, obj, json, indent, level);
                break;
            case HoconArray array:
                WriteArray(sb, array, json, indent, level);
                break;
            case HoconString s:
                WriteQuoted(sb, s.Value);
                break;
            case HoconNumber n:
                sb.Append(json && !JsonNumber().IsMatch(n.Text) ? Canonical(n) : n.Text);
                break;
            case HoconBoolean b:
                sb.Append(b.Value ? "true" : "false");
                break;
            case HoconNull:
                sb.Append("null");
                break;
            default:
                throw new HoconException("cannot render an unresolved value (substitution or concatenation): call Resolve() first", value.Origin);
        }
    }

    private static string Canonical(HoconNumber n) =>
        n.Integer is { } l ? l.ToString(CultureInfo.InvariantCulture) : n.Double.ToString("R", CultureInfo.InvariantCulture);

    private static void WriteObject(StringBuilder sb, HoconObject obj, bool json, bool indent, int level)
    {
        if (obj.Count == 0)
        {
            sb.Append("{}");
            return;
        }

        sb.Append('{');
        var first = true;
        foreach (var (key, value) in obj)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            NewLine(sb, indent, level + 1);
            if (json || HoconPath.NeedsQuotes(key) || key == "include")
            {
                WriteQuoted(sb, key);
            }
            else
            {
                sb.Append(key);
            }

            sb.Append(json ? (indent ? ": " : ":") : (indent ? " = " : "="));
            Write(sb, value, json, indent, level + 1);
        }

        NewLine(sb, indent, level);
        sb.Append('}');
    }

    private static void WriteArray(StringBuilder sb, HoconArray array, bool json, bool indent, int level)
    {
        if (array.Count == 0)
        {
            sb.Append("[]");
            return;
        }

        sb.Append('[');
        for (var i = 0; i < array.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            NewLine(sb, indent, level + 1);
            Write(sb, array[i], json, indent, level + 1);
        }

        NewLine(sb, indent, level);
        sb.Append(']');
    }

    private static void NewLine(StringBuilder sb, bool indent, int level)
    {
        if (indent)
        {
            sb.Append('\n').Append(' ', level * 2);
        }
    }

    private static void WriteQuoted(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c == '\u2028' || c == '\u2029')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();
}
