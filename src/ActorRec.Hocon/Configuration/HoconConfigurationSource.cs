using Microsoft.Extensions.Configuration;

namespace ActorRec.Hocon.Configuration;

/// <summary>
/// A Microsoft.Extensions.Configuration source backed by HOCON: a file, a text or a ready <see cref="Config"/>.
/// The resolved tree is flattened to <c>a:b:c</c> keys, arrays as <c>a:0</c>, <c>a:1</c>.
/// </summary>
public sealed class HoconConfigurationSource : IConfigurationSource
{
    /// <summary>A HOCON file to load (relative paths start from the current directory).</summary>
    public string? Path { get; init; }

    /// <summary>HOCON text to load, when no <see cref="Path"/> is given.</summary>
    public string? Text { get; init; }

    /// <summary>An already parsed config, when neither <see cref="Path"/> nor <see cref="Text"/> is given.</summary>
    public Config? Config { get; init; }

    /// <summary>With a <see cref="Path"/>: a missing file gives no keys instead of an error.</summary>
    public bool Optional { get; init; }

    /// <summary>Fallback for unresolved substitutions (none when null).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new HoconConfigurationProvider(this);
}

/// <summary>Loads a <see cref="HoconConfigurationSource"/>; parse and resolve errors surface as <see cref="HoconException"/>.</summary>
public sealed class HoconConfigurationProvider(HoconConfigurationSource source) : ConfigurationProvider
{
    public override void Load()
    {
        Config config;
        if (source.Path is { } path)
        {
            if (!File.Exists(path) && source.Optional)
            {
                Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                return;
            }

            config = ConfigFactory.ParseFile(path);
        }
        else if (source.Text is { } text)
        {
            config = ConfigFactory.ParseString(text);
        }
        else
        {
            config = source.Config ?? throw new InvalidOperationException("HoconConfigurationSource needs a Path, a Text or a Config.");
        }

        Data = Flatten(config.Resolve(source.Environment));
    }

    /// <summary>Flattens a resolved config to configuration keys; empty objects and arrays and nulls give a null value.</summary>
    public static Dictionary<string, string?> Flatten(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in config.Root)
        {
            Add(data, key, value);
        }

        return data;
    }

    private static void Add(Dictionary<string, string?> data, string prefix, HoconValue value)
    {
        switch (value)
        {
            case HoconObject obj:
                if (obj.Count == 0)
                {
                    data[prefix] = null;
                }

                foreach (var (key, child) in obj)
                {
                    Add(data, prefix + ConfigurationPath.KeyDelimiter + key, child);
                }

                break;
            case HoconArray array:
                if (array.Count == 0)
                {
                    data[prefix] = null;
                }

                for (var i = 0; i < array.Count; i++)
                {
                    Add(data, prefix + ConfigurationPath.KeyDelimiter + i.ToString(System.Globalization.CultureInfo.InvariantCulture), array[i]);
                }

                break;
            case HoconNull:
                data[prefix] = null;
                break;
            default:
                data[prefix] = value.ConcatText;
                break;
        }
    }
}

/// <summary><c>builder.AddHocon("app.conf")</c> and friends.</summary>
public static class HoconConfigurationExtensions
{
    public static IConfigurationBuilder AddHocon(this IConfigurationBuilder builder, string path, bool optional = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return builder.Add(new HoconConfigurationSource { Path = path, Optional = optional, Environment = environment });
    }

    public static IConfigurationBuilder AddHoconString(this IConfigurationBuilder builder, string text,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(text);
        return builder.Add(new HoconConfigurationSource { Text = text, Environment = environment });
    }

    public static IConfigurationBuilder AddHocon(this IConfigurationBuilder builder, Config config,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(config);
        return builder.Add(new HoconConfigurationSource { Config = config, Environment = environment });
    }
}
