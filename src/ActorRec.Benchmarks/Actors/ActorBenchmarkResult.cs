using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorRec.Benchmarks.Actors;

/// <summary>
/// Figures of `actorrec bench actors`; the JSON keys are a contract read by other tools (see ACTOR-BENCHMARKS.md).
/// Each figure is the median of the timed runs.
/// </summary>
public sealed record ActorBenchmarkResult
{
    [JsonPropertyName("pingpong_1pair_rt_per_s")]
    public double PingPong1PairRoundTripsPerSecond { get; init; }

    [JsonPropertyName("pingpong_4pairs_rt_per_s")]
    public double PingPong4PairsRoundTripsPerSecond { get; init; }

    [JsonPropertyName("pingpong_1pair_inflight1000_rt_per_s")]
    public double PingPong1PairInFlight1000RoundTripsPerSecond { get; init; }

    [JsonPropertyName("pingpong_4pairs_inflight1000_rt_per_s")]
    public double PingPong4PairsInFlight1000RoundTripsPerSecond { get; init; }

    [JsonPropertyName("tell_msgs_per_s")]
    public double TellMessagesPerSecond { get; init; }

    [JsonPropertyName("fanout_msgs_per_s")]
    public double FanOutMessagesPerSecond { get; init; }

    [JsonPropertyName("actor_creation_per_s")]
    public double ActorCreationPerSecond { get; init; }

    [JsonPropertyName("bytes_per_idle_actor")]
    public double BytesPerIdleActor { get; init; }

    [JsonPropertyName("ask_p50_us")]
    public double AskP50Microseconds { get; init; }

    [JsonPropertyName("ask_p99_us")]
    public double AskP99Microseconds { get; init; }

    [JsonPropertyName("ask_p999_us")]
    public double AskP999Microseconds { get; init; }

    [JsonPropertyName("asks_per_s")]
    public double AsksPerSecond { get; init; }

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    /// <summary>One JSON object with exactly the twelve numeric keys.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>
    /// Each figure beside Akka.NET 1.5.30's reference figure from ../shared/bench/ACTOR-BENCHMARKS.md (same machine
    /// kind), in the order of that file. The one list both renderers (this text table and the CLI's) use.
    /// </summary>
    public IReadOnlyList<AkkaComparison> CompareWithAkka() =>
    [
        new("(a) ping-pong, 1 pair, 1 in flight", PingPong1PairRoundTripsPerSecond, 4.56e6, "round trips/s", false),
        new("(a) ping-pong, 4 pairs, 1 in flight", PingPong4PairsRoundTripsPerSecond, 6.23e6, "round trips/s", false),
        new("(a') ping-pong, 1 pair, 1,000 in flight", PingPong1PairInFlight1000RoundTripsPerSecond, 9.8e6, "round trips/s", false),
        new("(a') ping-pong, 4 pairs, 1,000 in flight", PingPong4PairsInFlight1000RoundTripsPerSecond, 18.7e6, "round trips/s", false),
        new("(b) one-way tell", TellMessagesPerSecond, 19.4e6, "msgs/s", false),
        new("(c) fan-out 100k x 10", FanOutMessagesPerSecond, 2.39e6, "msgs/s", false),
        new("(c) actor creation", ActorCreationPerSecond, 80e3, "actors/s", false),
        new("(c) heap per idle actor", BytesPerIdleActor, 1744, "bytes", true),
        new("(d) ask p50", AskP50Microseconds, 0.43, "µs", true),
        new("(d) ask p99", AskP99Microseconds, 1.68, "µs", true),
        new("(d) ask p99.9", AskP999Microseconds, 4.2, "µs", true),
        new("(d) sequential asks", AsksPerSecond, 1.1e6, "asks/s", false),
    ];

    /// <summary>A plain-text table: our figure, Akka.NET 1.5.30's reference figure and the ratio (above 1 is better).</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"benchmark",-42} {"ActorRec",14} {"Akka.NET",14}  {"unit",-14} {"vs Akka",8}");
        foreach (var row in CompareWithAkka())
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{row.Name,-42} {FormatFigure(row.Ours),14} {FormatFigure(row.Akka),14}  {row.Unit,-14} {row.Ratio,7:0.00}x");
        }

        return sb.ToString();
    }

    /// <summary>A figure with an M/k suffix where it helps reading (4.56 M, 80.0 k, 1744, 0.43).</summary>
    public static string FormatFigure(double v) => v switch
    {
        >= 1e6 => (v / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1e4 => (v / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " k",
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.00", CultureInfo.InvariantCulture),
    };
}

/// <summary>One benchmark figure of ours beside Akka.NET's.</summary>
/// <param name="Name">The benchmark, as ACTOR-BENCHMARKS.md names it.</param>
/// <param name="Ours">Our figure.</param>
/// <param name="Akka">Akka.NET 1.5.30's figure on the same machine kind.</param>
/// <param name="Unit">Unit of both figures.</param>
/// <param name="LowerIsBetter">True for latencies and memory.</param>
public sealed record AkkaComparison(string Name, double Ours, double Akka, string Unit, bool LowerIsBetter)
{
    /// <summary>Ours relative to Akka.NET, oriented so that above 1 means better.</summary>
    public double Ratio => LowerIsBetter ? (Ours > 0 ? Akka / Ours : 0) : Ours / Akka;
}

/// <summary>How to run the actor benchmarks.</summary>
/// <param name="TimedRuns">Timed runs per benchmark (the median is reported); the definitions use 3.</param>
/// <param name="Scale">Multiplies every message/actor count (1 = the definitions; smaller for a quick look).</param>
/// <param name="Progress">Receives one line per finished run, or null.</param>
/// <param name="Settings">Actor system settings of every run; null = the defaults (reference.conf).</param>
public sealed record ActorBenchmarkOptions(int TimedRuns = 3, double Scale = 1.0, TextWriter? Progress = null, ActorRec.Actors.ActorSystemSettings? Settings = null)
{
    internal int Count(int full) => Math.Max(1, (int)(full * Scale));

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(TimedRuns, 1);
        if (!(Scale > 0 && Scale <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(Scale), Scale, "Scale must be in (0, 10].");
        }
    }
}
