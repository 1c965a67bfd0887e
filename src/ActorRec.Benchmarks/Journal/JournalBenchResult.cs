using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ActorRec.Benchmarks.Journal;

/// <summary>One phase: N actors each persisting events one at a time (next persist in the previous handler).</summary>
/// <remarks><c>CpuSeconds</c> is the process CPU time (user + system, all threads) spent in the phase: on a shared
/// machine, events / CpuSeconds shows what one fully available core would sustain.</remarks>
public sealed record PersistPhaseResult(int Actors, long Events, double Seconds, double EventsPerSecond, double P50Ms, double P99Ms, long Commits,
    double CpuSeconds);

/// <summary>Figures of a journal benchmark run. The headline latency is that of the 10,000-actor phase.</summary>
public sealed record JournalBenchResult(
    string Store,
    IReadOnlyList<PersistPhaseResult> Phases,
    long RecoveryEvents,
    double RecoverySeconds,
    double RecoveryEventsPerSecond,
    double RecoveryCpuSeconds)
{
    public PersistPhaseResult Phase(int actors)
    {
        foreach (PersistPhaseResult p in Phases)
        {
            if (p.Actors == actors)
            {
                return p;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(actors), actors, "No phase with that many actors.");
    }

    /// <summary>One JSON object with the numeric keys of the issue (plus per-phase latencies).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("store", Store);
            foreach (PersistPhaseResult p in Phases)
            {
                json.WriteNumber($"persist_events_per_s_{p.Actors}", Math.Round(p.EventsPerSecond));
            }

            PersistPhaseResult headline = Phases[^1];
            json.WriteNumber("persist_p50_ms", Math.Round(headline.P50Ms, 3));
            json.WriteNumber("persist_p99_ms", Math.Round(headline.P99Ms, 3));
            json.WriteNumber("recovery_events_per_s", Math.Round(RecoveryEventsPerSecond));
            foreach (PersistPhaseResult p in Phases)
            {
                json.WriteNumber($"persist_p50_ms_{p.Actors}", Math.Round(p.P50Ms, 3));
                json.WriteNumber($"persist_p99_ms_{p.Actors}", Math.Round(p.P99Ms, 3));
                json.WriteNumber($"events_per_commit_{p.Actors}", Math.Round(p.Events / (double)Math.Max(1, p.Commits), 1));
                json.WriteNumber($"events_per_cpu_s_{p.Actors}", Math.Round(p.Events / Math.Max(1e-9, p.CpuSeconds)));
            }

            json.WriteNumber("recovery_events_per_cpu_s", Math.Round(RecoveryEvents / Math.Max(1e-9, RecoveryCpuSeconds)));
            json.WriteNumber("processor_count", Environment.ProcessorCount);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A human table.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        sb.AppendLine(c, $"journal benchmark ({Store})");
        sb.AppendLine("actors     events   seconds   events/s    p50 ms    p99 ms  events/commit  events/cpu-s");
        foreach (PersistPhaseResult p in Phases)
        {
            sb.AppendLine(c, $"{p.Actors,6} {p.Events,10} {p.Seconds,9:F2} {p.EventsPerSecond,10:F0} {p.P50Ms,9:F2} {p.P99Ms,9:F2} {p.Events / (double)Math.Max(1, p.Commits),14:F1} {p.Events / Math.Max(1e-9, p.CpuSeconds),13:F0}");
        }

        sb.AppendLine(c, $"recovery: {RecoveryEvents} events in {RecoverySeconds:F2} s = {RecoveryEventsPerSecond:F0} events/s ({RecoveryEvents / Math.Max(1e-9, RecoveryCpuSeconds):F0} events/cpu-s)");
        return sb.ToString();
    }
}
