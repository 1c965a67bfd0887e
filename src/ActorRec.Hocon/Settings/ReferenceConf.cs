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
    /// <summary>
    /// The text of the embedded resource <paramref name="resourceName"/> of <paramref name="assembly"/>, or, when
    /// it is null, of its one resource whose name ends in <c>reference.conf</c>.
    /// </summary>
    public static string ReadText(Assembly assembly, string? resourceName = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var names = assembly.GetManifestResourceNames()
            .Where(n => resourceName is null ? n.EndsWith(ConfigLoader.ReferenceResourceSuffix, StringComparison.Ordinal) : n == resourceName)
            .ToArray();
        if (names.Length != 1)
        {
            throw new InvalidOperationException(
                $"{assembly.GetName().Name} embeds {names.Length} resources named {resourceName ?? "*" + ConfigLoader.ReferenceResourceSuffix}; expected exactly one");
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
    /// (<c>#</c> or <c>//</c>). With <paramref name="allowCommentedGroups"/>, a key may instead belong to a
    /// paragraph of key lines (no blank line, no brace line between) that starts under a comment describing
    /// the whole group.
    /// </summary>
    public static IReadOnlyList<string> UncommentedKeys(string text, bool allowCommentedGroups = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        var missing = new List<string>();
        foreach (var leaf in LeafPaths(ConfigFactory.ParseString(text).Root))
        {
            var index = (leaf.Value.Origin?.Line ?? 0) - 2;
            while (allowCommentedGroups && index >= 0 && IsPlainKeyLine(lines[index].Trim()))
            {
                index--;
            }

            if (index < 0 || !IsComment(lines[index].Trim()))
            {
                missing.Add(leaf.Path);
            }
        }

        return missing;
    }

    private static bool IsComment(string line) => line.StartsWith('#') || line.StartsWith("//", StringComparison.Ordinal);

    private static bool IsPlainKeyLine(string line) =>
        line.Length > 0 && !IsComment(line) && !line.EndsWith('{') && !line.StartsWith('}') && !line.EndsWith('[');

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
