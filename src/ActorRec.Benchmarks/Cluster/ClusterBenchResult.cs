using System.Globalization;
using System.Text;

namespace ActorRec.Benchmarks.Cluster;

/// <summary>
/// Figures of <c>actorrec bench cluster</c>. JSON keys (all numbers): <c>feeds_per_s_1</c>, <c>feeds_per_s_3</c>,
/// <c>events_per_s_1</c>, <c>events_per_s_3</c> (the "3" is the multi-node phase, <c>nodes</c> nodes),
/// <c>rehome_entities</c>, <c>rehome_s</c> (kill -9 to the last of the killed node's entities answering from
/// another node), <c>rehome_shards_s</c> (kill -9 to no shard left on it), <c>populate_events_per_s</c>, plus the
/// run's shape, <c>load_avg_1m</c> and <c>cores</c>.
/// </summary>
public sealed record ClusterBenchResult(
    double FeedsPerSecond1,
    double FeedsPerSecondN,
    double EventsPerSecond1,
    double EventsPerSecondN,
    int RehomeEntities,
    double RehomeSeconds,
    double RehomeShardsSeconds,
    double PopulateEventsPerSecond,
    int Nodes,
    double Seconds,
    int Concurrency,
    double LoadAverage1m,
    int Cores)
{
    /// <summary>Every key of <see cref="ToJson"/>, in order.</summary>
    public static IReadOnlyList<string> JsonKeys { get; } =
    [
        "feeds_per_s_1", "feeds_per_s_3", "events_per_s_1", "events_per_s_3", "rehome_entities", "rehome_s",
        "rehome_shards_s", "populate_events_per_s", "nodes", "seconds", "concurrency", "load_avg_1m", "cores",
    ];

    public string ToJson()
    {
        double[] values =
        [
            FeedsPerSecond1, FeedsPerSecondN, EventsPerSecond1, EventsPerSecondN, RehomeEntities, RehomeSeconds,
            RehomeShardsSeconds, PopulateEventsPerSecond, Nodes, Seconds, Concurrency, LoadAverage1m, Cores,
        ];
        var sb = new StringBuilder("{");
        for (var i = 0; i < values.Length; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append('"').Append(JsonKeys[i]).Append("\":")
                .Append(double.IsFinite(values[i]) ? values[i].ToString("0.###", CultureInfo.InvariantCulture) : "-1");
        }

        return sb.Append('}').ToString();
    }

    public string ToTable() => string.Create(CultureInfo.InvariantCulture, $"""
        cluster: local nodes on loopback, one PostgreSQL ({Cores} cores, load average {LoadAverage1m:0.00} at the end), {Seconds:0.#}s per phase, {Concurrency} requests in flight
                         1 node          {Nodes} nodes      ratio
        feeds/s    {FeedsPerSecond1,12:N0} {FeedsPerSecondN,12:N0}    {Ratio(FeedsPerSecondN, FeedsPerSecond1)}
        events/s   {EventsPerSecond1,12:N0} {EventsPerSecondN,12:N0}    {Ratio(EventsPerSecondN, EventsPerSecond1)}
        kill -9 of a node with {RehomeEntities:N0} resident entities: shards re-homed in {RehomeShardsSeconds:0.0}s, every entity answers again after {RehomeSeconds:0.0}s
        (population written at {PopulateEventsPerSecond:N0} events/s)
        """);

    private static string Ratio(double a, double b) => b > 0 ? (a / b).ToString("0.00x", CultureInfo.InvariantCulture) : "-";
}
