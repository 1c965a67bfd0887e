using System.Reflection;

namespace ActorRec.Hocon.Settings;

/// <summary>
/// Start-up loading: the user's file over every <c>reference.conf</c> embedded in the given assemblies,
/// resolved once. Each module ships its defaults as an EmbeddedResource whose name ends in
/// <c>reference.conf</c> and builds its immutable settings record from the result.
/// </summary>
public static class ConfigLoader
{
    public const string ReferenceResourceSuffix = "reference.conf";

    /// <summary>
    /// Parses <paramref name="userFile"/> (when given), falls back to the references of
    /// <paramref name="referenceAssemblies"/> (earlier assemblies win where they overlap), and resolves with
    /// <paramref name="environment"/> as the substitution fallback.
    /// </summary>
    public static Config Load(string? userFile, IReadOnlyDictionary<string, string>? environment, params Assembly[] referenceAssemblies)
    {
        var user = userFile is null ? Config.Empty : ConfigFactory.ParseFile(userFile);
        return Load(user, environment, referenceAssemblies);
    }

    /// <summary>As <see cref="Load(string?, IReadOnlyDictionary{string, string}?, Assembly[])"/> with an already parsed user config.</summary>
    public static Config Load(Config user, IReadOnlyDictionary<string, string>? environment, params Assembly[] referenceAssemblies)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.WithFallback(LoadReferences(referenceAssemblies)).Resolve(environment);
    }

    /// <summary>Every embedded reference.conf of the assemblies, merged and unresolved.</summary>
    public static Config LoadReferences(params Assembly[] assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var merged = Config.Empty;
        foreach (var assembly in assemblies)
        {
            ArgumentNullException.ThrowIfNull(assembly, nameof(assemblies));
            foreach (var name in assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
            {
                if (!name.EndsWith(ReferenceResourceSuffix, StringComparison.Ordinal))
                {
                    continue;
                }

                using var stream = assembly.GetManifestResourceStream(name)
                    ?? throw new InvalidOperationException($"resource {name} of {assembly.GetName().Name} cannot be opened");
                using var reader = new StreamReader(stream);
                var origin = $"{assembly.GetName().Name}:{name}";
                var parsed = ConfigFactory.ParseString(reader.ReadToEnd(), new HoconParseOptions { OriginName = origin });
                merged = merged.WithFallback(parsed);
            }
        }

        return merged;
    }
}
