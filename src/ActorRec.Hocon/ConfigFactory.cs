using System.Collections;

namespace ActorRec.Hocon;

/// <summary>How a source is parsed.</summary>
public sealed record HoconParseOptions
{
    /// <summary>The name used in positions and errors for a parsed string (default "string").</summary>
    public string? OriginName { get; init; }

    /// <summary>Where relative includes in a parsed string start (default: the current directory).</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>The syntax; by default a file's extension decides (.json, .properties, otherwise HOCON).</summary>
    public HoconSyntax? Syntax { get; init; }
}

/// <summary>Entry points: parse HOCON (or JSON / properties) text and files into unresolved <see cref="Config"/>s.</summary>
public static class ConfigFactory
{
    public static Config ParseString(string text, HoconParseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = options?.OriginName ?? "string";
        var context = new IncludeContext(options?.BaseDirectory ?? Environment.CurrentDirectory);
        return new Config(context.ParseText(text, name, options?.Syntax ?? HoconSyntax.Conf, []));
    }

    /// <summary>Parses a file; relative includes inside it start from its directory. Errors name the path as given.</summary>
    public static Config ParseFile(string path, HoconParseOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new HoconException($"config file not found: {path}", new HoconOrigin(path, 1, 1));
        }

        var context = new IncludeContext(Path.GetDirectoryName(full) ?? Environment.CurrentDirectory);
        var syntax = options?.Syntax ?? IncludeContext.SyntaxFor(path);
        return new Config(context.ParseFile(full, options?.OriginName ?? path, syntax, [], null));
    }

    /// <summary>A snapshot of the process environment, for callers that want it as the substitution fallback.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is string key && e.Value is string value)
            {
                result[key] = value;
            }
        }

        return result;
    }
}
