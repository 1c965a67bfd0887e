using System.Text;

namespace ActorRec.Hocon;

/// <summary>
/// Path expressions as used by getters: <c>a.b.c</c>, with double-quoted elements for keys that contain dots
/// or other special characters (<c>logging.overrides."Microsoft.AspNetCore"</c>).
/// </summary>
public static class HoconPath
{
    /// <summary>Splits a path expression into its keys.</summary>
    public static IReadOnlyList<string> Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var elements = new List<string>();
        var current = new StringBuilder();
        var hasContent = false;
        var i = 0;
        while (i < path.Length)
        {
            var c = path[i];
            if (c == '"')
            {
                i = ReadQuoted(path, i + 1, current);
                hasContent = true;
            }
            else if (c == '.')
            {
                Finish(path, elements, current, hasContent);
                hasContent = false;
                i++;
            }
            else
            {
                current.Append(c);
                hasContent = true;
                i++;
            }
        }

        Finish(path, elements, current, hasContent);
        return elements;
    }

    /// <summary>Renders keys as a path expression, quoting the keys that need it.</summary>
    public static string Render(IReadOnlyList<string> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var sb = new StringBuilder();
        for (var i = 0; i < path.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('.');
            }

            sb.Append(NeedsQuotes(path[i]) ? HoconRenderer.Quote(path[i]) : path[i]);
        }

        return sb.ToString();
    }

    /// <summary>Renders the first <paramref name="count"/> keys of <paramref name="path"/>.</summary>
    internal static string Render(IReadOnlyList<string> path, int count)
    {
        var part = new string[count];
        for (var i = 0; i < count; i++)
        {
            part[i] = path[i];
        }

        return Render(part);
    }

    internal static bool NeedsQuotes(string key)
    {
        if (key.Length == 0)
        {
            return true;
        }

        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
            {
                return true;
            }
        }

        return false;
    }

    private static int ReadQuoted(string path, int i, StringBuilder into)
    {
        while (i < path.Length)
        {
            var c = path[i];
            if (c == '"')
            {
                return i + 1;
            }

            if (c == '\\' && i + 1 < path.Length)
            {
                into.Append(path[i + 1]);
                i += 2;
                continue;
            }

            into.Append(c);
            i++;
        }

        throw new HoconException($"invalid path '{path}': unterminated quoted key");
    }

    private static void Finish(string path, List<string> elements, StringBuilder current, bool hasContent)
    {
        if (!hasContent)
        {
            throw new HoconException($"invalid path '{path}': empty key (leading, trailing or doubled '.'); quote an empty key as \"\"");
        }

        elements.Add(current.ToString());
        current.Clear();
    }
}
