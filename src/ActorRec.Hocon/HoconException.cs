namespace ActorRec.Hocon;

/// <summary>Where a value or a syntax element came from: a file (or a named text source), 1-based line and column.</summary>
public sealed record HoconOrigin(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>
/// A parse, include, resolve or typed-read error. <see cref="Exception.Message"/> is formatted
/// <c>FILE:LINE:COL: reason</c> when the position is known, so tools can print it as is.
/// </summary>
public class HoconException : Exception
{
    public HoconException(string reason, HoconOrigin? origin = null, string? path = null, Exception? inner = null)
        : base(Format(reason, origin), inner)
    {
        Reason = reason;
        Origin = origin;
        Path = path;
    }

    /// <summary>The message without the position prefix.</summary>
    public string Reason { get; }

    /// <summary>Where the problem is, when known.</summary>
    public HoconOrigin? Origin { get; }

    /// <summary>The config path the problem concerns (typed getters, resolution), when known.</summary>
    public string? Path { get; }

    public string? File => Origin?.File;

    public int Line => Origin?.Line ?? 0;

    public int Column => Origin?.Column ?? 0;

    public override string ToString() => Message;

    private static string Format(string reason, HoconOrigin? origin) =>
        origin is null ? reason : $"{origin.File}:{origin.Line}:{origin.Column}: {reason}";
}
