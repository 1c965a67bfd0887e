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

    /// <summary>A human table: our figure, Akka.NET 1.5.30's reference figure and the ratio (higher is better).</summary>
    public string ToTable()
    {
        var rows = new (string Name, double Ours, double Akka, string Unit, bool LowerIsBetter)[]
        {
            ("(a) ping-pong, 1 pair, 1 in flight", PingPong1PairRoundTripsPerSecond, 4.56e6, "round trips/s", false),
            ("(a) ping-pong, 4 pairs, 1 in flight", PingPong4PairsRoundTripsPerSecond, 6.23e6, "round trips/s", false),
            ("(a') ping-pong, 1 pair, 1,000 in flight", PingPong1PairInFlight1000RoundTripsPerSecond, 9.8e6, "round trips/s", false),
            ("(a') ping-pong, 4 pairs, 1,000 in flight", PingPong4PairsInFlight1000RoundTripsPerSecond, 18.7e6, "round trips/s", false),
            ("(b) one-way tell", TellMessagesPerSecond, 19.4e6, "msgs/s", false),
            ("(c) fan-out 100k x 10", FanOutMessagesPerSecond, 2.39e6, "msgs/s", false),
            ("(c) actor creation", ActorCreationPerSecond, 80e3, "actors/s", false),
            ("(c) heap per idle actor", BytesPerIdleActor, 1744, "bytes", true),
            ("(d) ask p50", AskP50Microseconds, 0.43, "us", true),
            ("(d) ask p99", AskP99Microseconds, 1.68, "us", true),
            ("(d) ask p99.9", AskP999Microseconds, 4.2, "us", true),
            ("(d) sequential asks", AsksPerSecond, 1.1e6, "asks/s", false),
        };
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"benchmark",-42} {"ActorRec",14} {"Akka.NET",14}  {"unit",-14} {"vs Akka",8}");
        foreach (var (name, ours, akka, unit, lower) in rows)
        {
            var ratio = lower ? (ours > 0 ? akka / ours : 0) : ours / akka;
            sb.AppendLine(CultureInfo.InvariantCulture, $"{name,-42} {Format(ours),14} {Format(akka),14}  {unit,-14} {ratio,7:0.00}x");
        }
        return sb.ToString();
    }

    private static string Format(double v) => v switch
    {
        >= 1e6 => (v / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1e4 => (v / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " k",
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.00", CultureInfo.InvariantCulture),
    };
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
