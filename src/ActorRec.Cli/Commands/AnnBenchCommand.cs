using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ActorRec.Recommender.Ann;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec bench ann [--vectors N] [--dim D] [--queries Q] [--k K] [--ef EF] [--m M] [--json]</c>: builds an HNSW
/// index over clustered vectors and measures recall@k and the per-query speed-up against the exact scan in the same
/// run (see <see cref="AnnBenchmark"/>). Single-threaded; the load average is printed with the figures because a
/// shared machine moves them.
/// </summary>
internal static class AnnBenchCommand
{
    public static Command Create(CliContext context)
    {
        var vectors = new Option<int>("--vectors") { Description = "Indexed vectors.", DefaultValueFactory = _ => 100_000, HelpName = "N" };
        var dim = new Option<int>("--dim") { Description = "Vector dimension.", DefaultValueFactory = _ => 64, HelpName = "D" };
        var queries = new Option<int>("--queries") { Description = "Timed queries.", DefaultValueFactory = _ => 300, HelpName = "Q" };
        var k = new Option<int>("--k") { Description = "Hits per query (recall@k).", DefaultValueFactory = _ => 100, HelpName = "K" };
        var ef = new Option<int>("--ef") { Description = "HNSW search candidate list size.", DefaultValueFactory = _ => 100, HelpName = "EF" };
        var m = new Option<int>("--m") { Description = "HNSW links per node (layer 0 keeps 2M); 12 measured best at 100k x 64.", DefaultValueFactory = _ => 12, HelpName = "M" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a line of text." };
        var ann = new Command("ann", "HNSW index against the exact scan: recall@k and per-query speed-up.");
        foreach (var option in new Option[] { vectors, dim, queries, k, ef, m, json })
        {
            ann.Add(option);
        }

        ann.SetAction(parseResult =>
        {
            var n = parseResult.GetValue(vectors);
            var kk = parseResult.GetValue(k);
            if (n < kk || kk < 1 || parseResult.GetValue(queries) < 1 || parseResult.GetValue(dim) < 1)
            {
                throw new UsageException("--vectors must be at least --k, and --k, --queries and --dim must be positive.");
            }

            HnswSettings settings;
            try
            {
                settings = HnswSettings.Create(dimension: parseResult.GetValue(dim), metric: AnnMetric.Cosine, m: parseResult.GetValue(m));
            }
            catch (ArgumentOutOfRangeException error)
            {
                throw new UsageException(error.Message);
            }

            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench ann: building an index over {n} vectors..."));
            var result = AnnBenchmark.Run(n, settings.Dimension, parseResult.GetValue(queries), kk, parseResult.GetValue(ef), settings);
            var load = LoadAverage();
            if (parseResult.GetValue(json))
            {
                using var buffer = new MemoryStream();
                using (var w = new Utf8JsonWriter(buffer))
                {
                    w.WriteStartObject();
                    w.WriteNumber("vectors", result.Vectors);
                    w.WriteNumber("dim", result.Dimension);
                    w.WriteNumber("queries", result.Queries);
                    w.WriteNumber("k", result.K);
                    w.WriteNumber("ef", result.Ef);
                    w.WriteNumber("m", settings.M);
                    w.WriteNumber("recall", Math.Round(result.RecallAtK, 4));
                    w.WriteNumber("exact_us", Math.Round(result.ExactMicrosPerQuery, 1));
                    w.WriteNumber("hnsw_us", Math.Round(result.AnnMicrosPerQuery, 1));
                    w.WriteNumber("speedup", Math.Round(result.SpeedUp, 2));
                    w.WriteNumber("build_s", Math.Round(result.BuildSeconds, 1));
                    w.WriteNumber("evaluations_per_query", Math.Round(result.EvaluationsPerQuery));
                    w.WriteNumber("hnsw_insert_order_us", Math.Round(result.InsertOrderMicrosPerQuery, 1));
                    w.WriteNumber("steady_exact_us", Math.Round(result.SteadyExactMicrosPerQuery, 1));
                    w.WriteNumber("steady_hnsw_us", Math.Round(result.SteadyAnnMicrosPerQuery, 1));
                    w.WriteNumber("steady_speedup", Math.Round(result.SteadySpeedUp, 2));
                    if (load is { } l)
                    {
                        w.WriteNumber("load_avg", l);
                    }

                    w.WriteEndObject();
                }

                context.Output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }
            else
            {
                context.Output.WriteLine(result.ToString() + (load is { } l ? string.Create(CultureInfo.InvariantCulture, $" load={l}") : string.Empty));
            }

            return ExitCodes.Ok;
        });
        return ann;
    }

    private static double? LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
