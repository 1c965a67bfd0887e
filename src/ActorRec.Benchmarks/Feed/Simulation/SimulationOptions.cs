namespace ActorRec.Benchmarks.Feed.Simulation;

/// <summary>Shape of a simulated population and its load (<c>actorrec simulate</c>).</summary>
public sealed record SimulationOptions
{
    /// <summary>Base address of the node (e.g. http://127.0.0.1:5080).</summary>
    public required Uri Url { get; init; }

    public int Users { get; init; } = 1_000;

    public int Videos { get; init; } = 2_000;

    /// <summary>Latent topics shared by users' interests and videos.</summary>
    public int Topics { get; init; } = 20;

    /// <summary>Feed requests per second (open loop: issued on schedule, whether or not earlier ones returned).</summary>
    public double Rate { get; init; } = 50;

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Length of one row of the report (a minute by default).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Items per feed request.</summary>
    public int FeedCount { get; init; } = 10;

    /// <summary>Requests allowed in flight at once; beyond it, scheduled requests are counted as dropped.</summary>
    public int MaxInFlight { get; init; } = 256;

    public ulong Seed { get; init; } = 7;

    /// <summary>Prefix of user and video ids, so runs do not collide with the demo catalog or each other.</summary>
    public string IdPrefix { get; init; } = "sim";

    /// <summary>Checks every value; the message names the option.</summary>
    public SimulationOptions Validate()
    {
        Check(Users >= 1, "--users", "must be at least 1");
        Check(Videos >= Topics, "--videos", $"must be at least the number of topics ({Topics})");
        Check(Topics >= 1, "--topics", "must be at least 1");
        Check(Rate > 0 && double.IsFinite(Rate), "--rate", "must be a positive number of feed requests per second");
        Check(Duration > TimeSpan.Zero, "--duration", "must be positive");
        Check(Interval > TimeSpan.Zero, "--interval", "must be positive");
        Check(FeedCount is >= 1 and <= 100, "--count", "must be from 1 to 100");
        Check(MaxInFlight >= 1, "--max-in-flight", "must be at least 1");
        Check(Url.IsAbsoluteUri && (Url.Scheme == Uri.UriSchemeHttp || Url.Scheme == Uri.UriSchemeHttps), "--url", "must be an absolute http(s) address");
        return this;
    }

    private static void Check(bool ok, string option, string message)
    {
        if (!ok)
        {
            throw new ArgumentException($"{option} {message}");
        }
    }
}
