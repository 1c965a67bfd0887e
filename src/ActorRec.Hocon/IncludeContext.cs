namespace ActorRec.Hocon;

internal enum IncludeKind
{
    /// <summary><c>include "name"</c>: a file relative to the including file.</summary>
    Heuristic,
    File,
    Classpath,
    Url,
}

/// <summary>The syntax a source is parsed with.</summary>
public enum HoconSyntax
{
    /// <summary>HOCON (.conf).</summary>
    Conf,

    /// <summary>Strict JSON (.json).</summary>
    Json,

    /// <summary>Java properties (.properties): every value is a string, keys split at '.'.</summary>
    Properties,
}

/// <summary>
/// State shared by every file of one parse: the chain of files being included (a file that includes itself,
/// directly or not, is an error) and the directory relative includes start from.
/// </summary>
internal sealed class IncludeContext
{
    private readonly List<string> _chain = [];
    private readonly Stack<string> _directories = new();

    public IncludeContext(string baseDirectory) => _directories.Push(baseDirectory);

    public static HoconSyntax SyntaxFor(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".json" => HoconSyntax.Json,
        ".properties" => HoconSyntax.Properties,
        _ => HoconSyntax.Conf,
    };

    /// <summary>Parses a file (the root file or an included one) with a path prefix for its substitutions.</summary>
    public HoconObject ParseFile(string path, string displayName, HoconSyntax syntax, IReadOnlyList<string> prefix, HoconOrigin? includedFrom)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (_chain.Contains(full, StringComparer.Ordinal))
        {
            var cycle = string.Join(" -> ", _chain.Select(System.IO.Path.GetFileName)) + " -> " + System.IO.Path.GetFileName(full);
            throw new HoconException($"include cycle: {cycle}", includedFrom);
        }

        string text;
        try
        {
            text = System.IO.File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HoconException($"cannot read '{displayName}': {e.Message}", includedFrom ?? new HoconOrigin(displayName, 1, 1), inner: e);
        }

        _chain.Add(full);
        _directories.Push(System.IO.Path.GetDirectoryName(full) ?? _directories.Peek());
        try
        {
            return ParseText(text, displayName, syntax, prefix);
        }
        finally
        {
            _directories.Pop();
            _chain.RemoveAt(_chain.Count - 1);
        }
    }

    public HoconObject ParseText(string text, string displayName, HoconSyntax syntax, IReadOnlyList<string> prefix) => syntax switch
    {
        HoconSyntax.Json => JsonLoader.Parse(text, displayName),
        HoconSyntax.Properties => PropertiesLoader.Parse(text, displayName),
        _ => HoconParser.Parse(text, displayName, prefix, this),
    };

    /// <summary>Loads an include statement's target; an empty object when it is missing and not required.</summary>
    public HoconObject Include(string name, IncludeKind kind, bool required, IReadOnlyList<string> prefix, string fromFile, HoconOrigin origin)
    {
        if (kind is IncludeKind.Classpath or IncludeKind.Url)
        {
            var word = kind == IncludeKind.Url ? "url" : "classpath";
            throw new HoconException($"{word}(\"{name}\") includes are not supported: use include \"file\" or include file(\"file\") (relative to the including file)", origin);
        }

        var dir = _directories.Peek();
        var target = System.IO.Path.IsPathRooted(name) ? name : System.IO.Path.Combine(dir, name);
        var display = System.IO.Path.IsPathRooted(name) ? name : System.IO.Path.Combine(System.IO.Path.GetDirectoryName(fromFile) ?? "", name);
        var ext = System.IO.Path.GetExtension(name).ToLowerInvariant();
        if (ext is ".conf" or ".json" or ".properties")
        {
            if (System.IO.File.Exists(target))
            {
                return ParseFile(target, display, SyntaxFor(target), prefix, origin);
            }

            return Missing(name, required, origin, target);
        }

        // No known extension: every one of name.conf, name.json, name.properties that exists, .conf winning.
        HoconObject? merged = null;
        foreach (var (suffix, syntax) in Candidates)
        {
            var candidate = target + suffix;
            if (!System.IO.File.Exists(candidate))
            {
                continue;
            }

            var obj = ParseFile(candidate, display + suffix, syntax, prefix, origin);
            merged = merged is null ? obj : ValueMerger.MergeObjects(merged, obj, inPlace: false);
        }

        if (merged is not null)
        {
            return merged;
        }

        if (System.IO.File.Exists(target))
        {
            return ParseFile(target, display, HoconSyntax.Conf, prefix, origin);
        }

        return Missing(name, required, origin, target + "{.conf,.json,.properties}");
    }

    private static readonly (string Suffix, HoconSyntax Syntax)[] Candidates =
    [
        (".properties", HoconSyntax.Properties),
        (".json", HoconSyntax.Json),
        (".conf", HoconSyntax.Conf),
    ];

    private static HoconObject Missing(string name, bool required, HoconOrigin origin, string lookedFor)
    {
        if (required)
        {
            throw new HoconException($"required include \"{name}\" not found (looked for {lookedFor})", origin);
        }

        return new HoconObject(origin);
    }
}
