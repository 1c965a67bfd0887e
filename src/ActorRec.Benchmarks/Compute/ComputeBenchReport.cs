using System.Text;
using System.Text.Json;

namespace ActorRec.Benchmarks.Compute;

/// <summary>One measured configuration.</summary>
/// <param name="Dimension">Values per embedding row.</param>
/// <param name="Batch">Queries per call.</param>
/// <param name="Candidates">Candidate rows per call (shared by every query).</param>
/// <param name="Seconds">Best time of one call.</param>
/// <param name="ScoreGbPerSecond">Bytes of candidate vectors read (each row once per call) / time.</param>
/// <param name="ScoresPerSecond">Batch × candidates / time.</param>
/// <param name="BytesMovedGbPerSecond">Candidates + queries read and scores written / time.</param>
/// <param name="BandwidthFraction">ScoreGbPerSecond / the measured copy bandwidth.</param>
public sealed record ComputeBenchRun(int Dimension, int Batch, int Candidates, double Seconds, double ScoresPerSecond, double ScoreGbPerSecond, double BytesMovedGbPerSecond, double BandwidthFraction);

/// <summary>The outcome of <see cref="ComputeBenchmarks.Run"/>.</summary>
public sealed record ComputeBenchReport(string Backend, string Device, double CopyGbPerSecond, IReadOnlyList<ComputeBenchRun> Runs)
{
    /// <summary>The largest configuration (most candidates, then widest, then largest batch): the headline figures.</summary>
    public ComputeBenchRun Largest
    {
        get
        {
            var best = Runs[0];
            foreach (var run in Runs)
            {
                if ((run.Candidates, run.Dimension, run.Batch).CompareTo((best.Candidates, best.Dimension, best.Batch)) > 0)
                {
                    best = run;
                }
            }

            return best;
        }
    }

    /// <summary>
    /// The memory-bound configuration: batch 1 against the most candidates of the widest dimension, where each
    /// candidate float feeds one multiply-add and the run is limited by memory bandwidth alone.
    /// </summary>
    public ComputeBenchRun MemoryBound
    {
        get
        {
            var largest = Largest;
            var best = largest;
            foreach (var run in Runs)
            {
                if (run.Candidates == largest.Candidates && run.Dimension == largest.Dimension && run.Batch < best.Batch)
                {
                    best = run;
                }
            }

            return best;
        }
    }

    /// <summary>
    /// The JSON object of <c>--json</c>: headline keys <c>copy_gb_per_s</c>, <c>score_gb_per_s</c>,
    /// <c>bandwidth_fraction</c>, <c>scores_per_s</c> for <see cref="Largest"/>, and <c>runs</c> with every configuration.
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            var largest = Largest;
            w.WriteStartObject();
            w.WriteString("backend", Backend);
            w.WriteString("device", Device);
            w.WriteNumber("copy_gb_per_s", Round(CopyGbPerSecond));
            w.WriteNumber("score_gb_per_s", Round(largest.ScoreGbPerSecond));
            w.WriteNumber("bandwidth_fraction", Round(largest.BandwidthFraction));
            w.WriteNumber("scores_per_s", Math.Round(largest.ScoresPerSecond));
            w.WriteNumber("memory_bound_fraction", Round(MemoryBound.BandwidthFraction));
            w.WriteStartObject("largest");
            WriteRunFields(w, largest);
            w.WriteEndObject();
            w.WriteStartObject("memory_bound");
            WriteRunFields(w, MemoryBound);
            w.WriteEndObject();
            w.WriteStartArray("runs");
            foreach (var run in Runs)
            {
                w.WriteStartObject();
                WriteRunFields(w, run);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A human-readable table.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        sb.Append(ci, $"compute benchmark: {Backend} on {Device}\n");
        sb.Append(ci, $"copy bandwidth (read + write): {CopyGbPerSecond:F1} GB/s\n");
        sb.Append("  dim  batch  candidates     time(ms)      scores/s  cand GB/s  moved GB/s  fraction\n");
        foreach (var r in Runs)
        {
            sb.Append(ci, $"{r.Dimension,5} {r.Batch,6} {r.Candidates,11} {r.Seconds * 1e3,12:F3} {r.ScoresPerSecond,13:E3} {r.ScoreGbPerSecond,10:F2} {r.BytesMovedGbPerSecond,11:F2} {r.BandwidthFraction,9:P0}\n");
        }

        var l = Largest;
        var mb = MemoryBound;
        sb.Append(ci, $"memory-bound (dim {mb.Dimension}, batch {mb.Batch}, {mb.Candidates} candidates): candidate reads {mb.ScoreGbPerSecond:F2} GB/s = {mb.BandwidthFraction:P0} of copy bandwidth\n");
        sb.Append(ci, $"largest (dim {l.Dimension}, batch {l.Batch}, {l.Candidates} candidates): {l.ScoresPerSecond:E3} scores/s, candidate reads {l.ScoreGbPerSecond:F2} GB/s = {l.BandwidthFraction:P0} of copy bandwidth\n");
        return sb.ToString();
    }

    private static void WriteRunFields(Utf8JsonWriter w, ComputeBenchRun run)
    {
        w.WriteNumber("dim", run.Dimension);
        w.WriteNumber("batch", run.Batch);
        w.WriteNumber("candidates", run.Candidates);
        w.WriteNumber("seconds", run.Seconds);
        w.WriteNumber("scores_per_s", Math.Round(run.ScoresPerSecond));
        w.WriteNumber("score_gb_per_s", Round(run.ScoreGbPerSecond));
        w.WriteNumber("moved_gb_per_s", Round(run.BytesMovedGbPerSecond));
        w.WriteNumber("bandwidth_fraction", Round(run.BandwidthFraction));
    }

    private static double Round(double value) => Math.Round(value, 4);
}
