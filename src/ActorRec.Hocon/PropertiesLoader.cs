using System.Text;

namespace ActorRec.Hocon;

/// <summary>
/// Java properties sources: <c>key=value</c>, <c>key:value</c> or <c>key value</c>, '#' and '!' comments,
/// backslash escapes and line continuations. Keys split at '.' into paths; all values are strings; where a
/// key is both a value and the parent of other keys, the object wins.
/// </summary>
internal static class PropertiesLoader
{
    public static HoconObject Parse(string text, string file)
    {
        var root = new HoconObject(new HoconOrigin(file, 1, 1));
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNo = i + 1;
            var line = lines[i].TrimStart();
            if (line.Length == 0 || line[0] == '#' || line[0] == '!')
            {
                continue;
            }

            // Join continuation lines (an odd number of trailing backslashes).
            while (EndsWithContinuation(line) && i + 1 < lines.Length)
            {
                line = line[..^1] + lines[++i].TrimStart();
            }

            var (key, value) = Split(line);
            var origin = new HoconOrigin(file, lineNo, 1);
            var path = key.Split('.');
            Put(root, path, 0, new HoconString(value, origin), origin);
        }

        return root;
    }

    private static void Put(HoconObject obj, string[] path, int at, HoconValue value, HoconOrigin origin)
    {
        var key = path[at];
        if (at == path.Length - 1)
        {
            if (!obj.TryGetValue(key, out var existing) || existing is not HoconObject)
            {
                obj.Set(key, value);
            }

            return;
        }

        if (!obj.TryGetValue(key, out var child) || child is not HoconObject childObj)
        {
            childObj = new HoconObject(origin);
            obj.Set(key, childObj);
        }

        Put(childObj, path, at + 1, value, origin);
    }

    private static bool EndsWithContinuation(string line)
    {
        var n = 0;
        for (var i = line.Length - 1; i >= 0 && line[i] == '\\'; i--)
        {
            n++;
        }

        return n % 2 == 1;
    }

    private static (string Key, string Value) Split(string line)
    {
        var key = new StringBuilder();
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length)
            {
                i = Unescape(line, i, key);
                continue;
            }

            if (c is '=' or ':' || char.IsWhiteSpace(c))
            {
                break;
            }

            key.Append(c);
            i++;
        }

        while (i < line.Length && char.IsWhiteSpace(line[i]))
        {
            i++;
        }

        if (i < line.Length && line[i] is '=' or ':')
        {
            i++;
        }

        while (i < line.Length && char.IsWhiteSpace(line[i]))
        {
            i++;
        }

        var value = new StringBuilder();
        while (i < line.Length)
        {
            if (line[i] == '\\' && i + 1 < line.Length)
            {
                i = Unescape(line, i, value);
                continue;
            }

            value.Append(line[i++]);
        }

        return (key.ToString(), value.ToString());
    }

    private static int Unescape(string line, int i, StringBuilder into)
    {
        var e = line[i + 1];
        switch (e)
        {
            case 't': into.Append('\t'); return i + 2;
            case 'n': into.Append('\n'); return i + 2;
            case 'r': into.Append('\r'); return i + 2;
            case 'f': into.Append('\f'); return i + 2;
            case 'u' when IsHex4(line, i + 2):
                into.Append((char)System.Convert.ToInt32(line.Substring(i + 2, 4), 16));
                return i + 6;
            default:
                into.Append(e);
                return i + 2;
        }
    }

    private static bool IsHex4(string s, int at)
    {
        if (at + 4 > s.Length)
        {
            return false;
        }

        for (var k = at; k < at + 4; k++)
        {
            if (!char.IsAsciiHexDigit(s[k]))
            {
                return false;
            }
        }

        return true;
    }
}
