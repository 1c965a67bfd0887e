namespace ActorRec.Hocon.Tests;

internal static class Hocon
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    /// <summary>Parses and resolves text with the given environment (none by default).</summary>
    public static Config Resolve(string text, IReadOnlyDictionary<string, string>? env = null) =>
        ConfigFactory.ParseString(text, new HoconParseOptions { OriginName = "test.conf" }).Resolve(env ?? NoEnvironment);

    /// <summary>The resolved config as compact JSON.</summary>
    public static string Json(string text, IReadOnlyDictionary<string, string>? env = null) =>
        Resolve(text, env).Render(json: true, indent: false);

    public static HoconException Error(string text, IReadOnlyDictionary<string, string>? env = null) =>
        Assert.Throws<HoconException>(() => Resolve(text, env));
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("actorrec-hocon-").FullName;

    public string Path { get; }

    public string Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
