namespace ActorRec.Hocon.Settings;

/// <summary>A setting that is missing, of the wrong type or out of range. The message names the key path.</summary>
public sealed class SettingsException : Exception
{
    public SettingsException(string path, string problem, HoconOrigin? origin = null, Exception? inner = null)
        : base($"invalid setting '{path}': {problem}{(origin is null ? "" : $" (at {origin})")}", inner)
    {
        Path = path;
        Problem = problem;
        Origin = origin;
    }

    /// <summary>The full config path of the bad key.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the path.</summary>
    public string Problem { get; }

    /// <summary>Where the bad value was written, when known.</summary>
    public HoconOrigin? Origin { get; }
}
