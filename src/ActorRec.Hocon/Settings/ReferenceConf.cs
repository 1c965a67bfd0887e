using System.Reflection;

namespace ActorRec.Hocon.Settings;

/// <summary>A leaf of a config tree: its path (a path expression) and its value.</summary>
public readonly record struct ConfigLeaf(string Path, HoconValue Value);

/// <summary>
/// Checks on a module's embedded <c>reference.conf</c>, used by each module's tests: its text, its leaf keys,
/// and the keys written without a comment on the line directly above (every key must say what it does).
/// </summary>
public static class ReferenceConf
{
    /// <summary>The text of the one embedded resource of <paramref name="assembly"/> whose name ends in <c>reference.conf</c>.</summary>
    public static string ReadText(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var names = assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(ConfigLoader.ReferenceResourceSuffix, StringComparison.Ordinal))
            .ToArray();
        if (names.Length != 1)
        {
            throw new InvalidOperationException(
                $"{assembly.GetName().Name} embeds {names.Length} resources named *{ConfigLoader.ReferenceResourceSuffix}; expected exactly one");
        }

        using var stream = assembly.GetManifestResourceStream(names[0])
            ?? throw new InvalidOperationException($"resource {names[0]} of {assembly.GetName().Name} cannot be opened");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Every leaf below <paramref name="root"/> (values that are not objects, and empty objects), in document
    /// order, with paths relative to it.
    /// </summary>
    public static IReadOnlyList<ConfigLeaf> LeafPaths(HoconObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var leaves = new List<ConfigLeaf>();
        Collect(root, [], leaves);
        return leaves;
    }

    /// <summary>
    /// The leaf keys of <paramref name="text"/> (HOCON) whose line is not directly preceded by a comment line
    /// (<c>#</c> or <c>//</c>).
    /// </summary>
    public static IReadOnlyList<string> UncommentedKeys(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        var missing = new List<string>();
        foreach (var leaf in LeafPaths(ConfigFactory.ParseString(text).Root))
        {
            var line = leaf.Value.Origin?.Line ?? 0;
            var above = line >= 2 ? lines[line - 2].Trim() : "";
            if (!above.StartsWith('#') && !above.StartsWith("//", StringComparison.Ordinal))
            {
                missing.Add(leaf.Path);
            }
        }

        return missing;
    }

    private static void Collect(HoconObject obj, List<string> prefix, List<ConfigLeaf> leaves)
    {
        foreach (var key in obj.Keys)
        {
            prefix.Add(key);
            var value = obj[key];
            if (value is HoconObject { Count: > 0 } child)
            {
                Collect(child, prefix, leaves);
            }
            else
            {
                leaves.Add(new ConfigLeaf(HoconPath.Render(prefix), value));
            }

            prefix.RemoveAt(prefix.Count - 1);
        }
    }
}
