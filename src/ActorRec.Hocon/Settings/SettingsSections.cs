namespace ActorRec.Hocon.Settings;

/// <summary>
/// Section-level helpers for module settings readers, beside <see cref="SettingsReaders"/>: take a module's
/// section, read booleans, refuse keys the module does not know (a misspelt key would otherwise be ignored
/// silently and its default used), and turn a record's own validation error into a
/// <see cref="SettingsException"/> that names the full key path.
/// </summary>
public static class SettingsSections
{
    /// <summary>The object at <paramref name="path"/> as a config whose errors name full paths.</summary>
    public static Config GetSection(this Config config, string path) => Read(config, path, c => c.GetConfig(path));

    /// <summary>A boolean (<c>true/false/yes/no/on/off</c>); a missing key or another type names the path.</summary>
    public static bool GetFlag(this Config config, string path) => Read(config, path, c => c.GetBoolean(path));

    /// <summary>A size in bytes (<c>4MiB</c>, <c>64KiB</c>, a plain number) within [min, max]; errors name the path.</summary>
    public static long GetBytesInRange(this Config config, string path, long min, long max)
    {
        var value = Read(config, path, c => c.GetBytes(path));
        return value >= min && value <= max
            ? value
            : throw new SettingsException(Full(config, path), $"must be between {min} and {max} bytes, got {value}", OriginOf(config, path));
    }

    /// <summary>A list of strings (may be empty); a missing key or another type names the path (or the element).</summary>
    public static IReadOnlyList<string> GetStrings(this Config config, string path) => Read(config, path, c => c.GetStringList(path));

    /// <summary>A list of integers (may be empty); a missing key or another type names the path (or the element).</summary>
    public static IReadOnlyList<int> GetInts(this Config config, string path) => Read(config, path, c => c.GetIntList(path));

    /// <summary>
    /// Throws for the first leaf of <paramref name="section"/> that is not one of <paramref name="knownKeys"/>
    /// (paths relative to the section). A known key whose value is an object (a map the module reads whole)
    /// accepts every key below it.
    /// </summary>
    public static void RejectUnknownKeys(this Config section, IReadOnlyCollection<string> knownKeys)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(knownKeys);
        foreach (var leaf in ReferenceConf.LeafPaths(section.Root))
        {
            if (!IsKnown(leaf.Path, knownKeys))
            {
                var known = string.Join(", ", knownKeys.Order(StringComparer.Ordinal));
                throw new SettingsException(Full(section, leaf.Path), $"unknown key; this section knows: {known}", leaf.Value.Origin);
            }
        }
    }

    /// <summary>
    /// Runs a record's validating factory; an <see cref="ArgumentException"/> it throws becomes a
    /// <see cref="SettingsException"/> for the key <paramref name="keyOf"/> names (relative to the section;
    /// by default the exception's <see cref="ArgumentException.ParamName"/>), or for the section itself.
    /// </summary>
    public static T Build<T>(this Config section, Func<T> create, Func<ArgumentException, string?>? keyOf = null)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(create);
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            var key = keyOf is null ? e.ParamName : keyOf(e);
            var path = string.IsNullOrEmpty(key) ? section.PathFromRoot ?? "" : Full(section, key);
            var origin = !string.IsNullOrEmpty(key) && section.TryGetValue(key, out var v) ? v?.Origin : null;
            throw new SettingsException(path, e.Message, origin, e);
        }
    }

    private static T Read<T>(Config config, string path, Func<Config, T> read)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return read(config);
        }
        catch (HoconException e)
        {
            throw new SettingsException(e.Path ?? Full(config, path), e.Reason, e.Origin, e);
        }
    }

    private static HoconOrigin? OriginOf(Config config, string path) =>
        config.TryGetValue(path, out var v) ? v?.Origin : null;

    private static bool IsKnown(string leaf, IReadOnlyCollection<string> knownKeys)
    {
        foreach (var known in knownKeys)
        {
            if (leaf == known || (leaf.Length > known.Length && leaf[known.Length] == '.' && leaf.StartsWith(known, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static string Full(Config config, string path) =>
        config.PathFromRoot is null ? path : config.PathFromRoot + "." + path;
}
