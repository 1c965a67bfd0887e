using System.Diagnostics;
using System.Globalization;

namespace ActorRec.Hocon;

/// <summary>
/// A config tree with typed getters. Parse with <see cref="ConfigFactory"/>, layer with
/// <see cref="WithFallback"/>, then <see cref="Resolve(IReadOnlyDictionary{string, string}?)"/> once;
/// getters read resolved trees. Paths are path expressions (<c>a.b."c.d"</c>). Every getter error names the
/// full path and the type it expected.
/// </summary>
[DebuggerDisplay("Config {Root.Count} keys, resolved={IsResolved}")]
public sealed partial class Config
{
    private readonly string? _origin;

    public Config(HoconObject root)
        : this(root, null)
    {
    }

    private Config(HoconObject root, string? origin)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = root;
        _origin = origin;
    }

    /// <summary>The path this config was taken from with <see cref="GetConfig"/> (errors name full paths), or null for a root.</summary>
    public string? PathFromRoot => _origin;

    public static Config Empty { get; } = new(HoconObject.Empty);

    /// <summary>The root object.</summary>
    public HoconObject Root { get; }

    public bool IsResolved => Root.IsResolved;

    /// <summary>This config with <paramref name="other"/> underneath: this one's values win, objects merge.</summary>
    public Config WithFallback(Config other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new Config(ValueMerger.MergeObjects(other.Root, Root, inPlace: false), _origin);
    }

    /// <summary>Resolves substitutions with no environment (no variable fallback).</summary>
    public Config Resolve() => Resolve(null);

    /// <summary>
    /// Resolves every substitution. <paramref name="environment"/> is the fallback for substitutions of a
    /// single key that the config does not define; pass <see cref="ConfigFactory.ProcessEnvironment"/> for the
    /// real process environment.
    /// </summary>
    public Config Resolve(IReadOnlyDictionary<string, string>? environment) =>
        IsResolved ? this : new Config(Resolver.Resolve(Root, environment), _origin);

    /// <summary>True when the path exists and is not null.</summary>
    public bool HasPath(string path) => TryFind(path, out var value) && value is not HoconNull;

    /// <summary>True when the path exists, null included.</summary>
    public bool HasPathOrNull(string path) => TryFind(path, out _);

    /// <summary>The value at a path; throws when it is missing.</summary>
    public HoconValue GetValue(string path) => Find(path);

    public bool TryGetValue(string path, out HoconValue? value)
    {
        var found = TryFind(path, out var v);
        value = found ? v : null;
        return found;
    }

    public string GetString(string path) => Conversions.ToString(Find(path), Full(path));

    public int GetInt(string path) => Conversions.ToInt(Find(path), Full(path));

    public long GetLong(string path) => Conversions.ToLong(Find(path), Full(path));

    public double GetDouble(string path) => Conversions.ToDouble(Find(path), Full(path));

    /// <summary>A number as decimal, read from its original text (so 0.1 stays exactly 0.1).</summary>
    public decimal GetDecimal(string path) => Conversions.ToDecimal(Find(path), Full(path));

    public bool GetBoolean(string path) => Conversions.ToBoolean(Find(path), Full(path));

    /// <summary>A duration: a number (milliseconds) or a string with a unit (<c>10s</c>, <c>250 ms</c>, <c>1d</c>).</summary>
    public TimeSpan GetDuration(string path) => TimeSpan.FromTicks(GetDurationNanoseconds(path) / 100);

    /// <summary>A duration in whole nanoseconds (exact, where a <see cref="TimeSpan"/> keeps 100 ns ticks).</summary>
    public long GetDurationNanoseconds(string path) => Conversions.ToDurationNanos(Find(path), Full(path));

    /// <summary>A size in bytes: a number or a string with a unit (<c>512MiB</c>, <c>10kB</c>).</summary>
    public long GetBytes(string path) => Conversions.ToBytes(Find(path), Full(path));

    /// <summary>The object at a path as a config of its own.</summary>
    public Config GetConfig(string path) => new(GetObject(path), Full(path));

    public HoconObject GetObject(string path) =>
        Find(path) as HoconObject ?? throw Conversions.WrongType(Find(path), Full(path), "object");

    public HoconArray GetList(string path) =>
        Find(path) as HoconArray ?? throw Conversions.WrongType(Find(path), Full(path), "list");

    public IReadOnlyList<string> GetStringList(string path) => MapList(path, Conversions.ToString);

    public IReadOnlyList<int> GetIntList(string path) => MapList(path, Conversions.ToInt);

    public IReadOnlyList<long> GetLongList(string path) => MapList(path, Conversions.ToLong);

    public IReadOnlyList<double> GetDoubleList(string path) => MapList(path, Conversions.ToDouble);

    public IReadOnlyList<bool> GetBooleanList(string path) => MapList(path, Conversions.ToBoolean);

    public IReadOnlyList<TimeSpan> GetDurationList(string path) =>
        MapList(path, (v, p) => TimeSpan.FromTicks(Conversions.ToDurationNanos(v, p) / 100));

    public IReadOnlyList<long> GetDurationNanosecondsList(string path) => MapList(path, Conversions.ToDurationNanos);

    public IReadOnlyList<long> GetBytesList(string path) => MapList(path, Conversions.ToBytes);

    public IReadOnlyList<Config> GetConfigList(string path) =>
        MapList(path, (v, p) => new Config(v as HoconObject ?? throw Conversions.WrongType(v, p, "object"), p));

    /// <summary>Renders the whole config (see <see cref="HoconRenderer"/>).</summary>
    public string Render(bool json = false, bool indent = true) => Root.Render(json, indent);

    public override string ToString() => IsResolved ? Render(json: false, indent: false) : "Config(unresolved)";

    private T[] MapList<T>(string path, Func<HoconValue, string, T> convert)
    {
        var list = GetList(path);
        var result = new T[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            result[i] = convert(list[i], string.Create(CultureInfo.InvariantCulture, $"{Full(path)}[{i}]"));
        }

        return result;
    }

    private HoconValue Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!TryFind(path, out var value))
        {
            throw new HoconException($"missing config key '{Full(path)}'", null, Full(path));
        }

        return value;
    }

    private bool TryFind(string path, out HoconValue value)
    {
        ArgumentNullException.ThrowIfNull(path);
        var keys = HoconPath.Parse(path);
        HoconValue current = Root;
        for (var i = 0; i < keys.Count; i++)
        {
            if (current is not HoconObject obj)
            {
                if (!current.IsResolved)
                {
                    throw NotResolved(Full(path), current);
                }

                value = current;
                return false;
            }

            if (!obj.TryGetValue(keys[i], out var child))
            {
                value = current;
                return false;
            }

            current = child;
        }

        if (!current.IsResolved && current is not HoconObject and not HoconArray)
        {
            throw NotResolved(Full(path), current);
        }

        value = current;
        return true;
    }

    private string Full(string path) => _origin is null ? path : _origin + "." + path;

    private static HoconException NotResolved(string path, HoconValue value) =>
        new($"'{path}' holds an unresolved substitution: call Resolve() before reading it", value.Origin, path);
}
