using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ActorRec.Recommender.Ann;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec bench ann [--index ivf|hnsw] [--vectors N] [--dim D] [--queries Q] [--k K] [--ef EF] [--m M]
/// [--list-size L] [--probes P] [--rerank R] [--json]</c>: builds an ANN index (IVF by default, as served) over
/// clustered vectors and measures recall@k and the per-query speed-up against the exact scan in the same
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
        var index = new Option<string>("--index") { Description = "Index measured: ivf (served default) or hnsw.", DefaultValueFactory = _ => "ivf", HelpName = "KIND" };
        var ef = new Option<int>("--ef") { Description = "Search width: HNSW candidate list (0: 100); IVF candidates re-scored in float (0: k x rerank).", DefaultValueFactory = _ => 0, HelpName = "EF" };
        var listSize = new Option<int>("--list-size") { Description = "IVF target vectors per list.", DefaultValueFactory = _ => new IvfSettings().ListSize, HelpName = "L" };
        var probes = new Option<int>("--probes") { Description = "IVF lists scanned per query.", DefaultValueFactory = _ => new IvfSettings().Probes, HelpName = "P" };
        var rerank = new Option<float>("--rerank") { Description = "IVF: candidates re-scored in float, as a multiple of k.", DefaultValueFactory = _ => new IvfSettings().Rerank, HelpName = "R" };
        var m = new Option<int>("--m") { Description = "HNSW links per node (layer 0 keeps 2M); 12 measured best at 100k x 64.", DefaultValueFactory = _ => 12, HelpName = "M" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a line of text." };
        var ann = new Command("ann", "ANN index (IVF or HNSW) against the exact scan: recall@k and per-query speed-up.");
        foreach (var option in new Option[] { index, vectors, dim, queries, k, ef, m, listSize, probes, rerank, json })
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

            var kind = parseResult.GetValue(index);
            if (kind is not ("ivf" or "hnsw"))
            {
                throw new UsageException($"--index must be ivf or hnsw (got '{kind}').");
            }

            if (parseResult.GetValue(ef) < 0)
            {
                throw new UsageException("--ef must not be negative.");
            }

            HnswSettings settings;
            IvfSettings ivfSettings;
            try
            {
                settings = HnswSettings.Create(dimension: parseResult.GetValue(dim), metric: AnnMetric.Cosine, m: parseResult.GetValue(m));
                ivfSettings = IvfSettings.Create(
                    dimension: parseResult.GetValue(dim),
                    metric: AnnMetric.Cosine,
                    listSize: parseResult.GetValue(listSize),
                    probes: parseResult.GetValue(probes),
                    rerank: parseResult.GetValue(rerank));
            }
            catch (ArgumentOutOfRangeException error)
            {
                throw new UsageException(error.Message);
            }

            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench ann: building an {kind} index over {n} vectors..."));
            var efValue = parseResult.GetValue(ef);
            var result = kind == "ivf"
                ? AnnBenchmark.RunIvf(n, settings.Dimension, parseResult.GetValue(queries), kk, efValue, ivfSettings)
                : AnnBenchmark.Run(n, settings.Dimension, parseResult.GetValue(queries), kk, efValue > 0 ? efValue : 100, settings);
            var load = LoadAverage();
            if (parseResult.GetValue(json))
            {
                using var buffer = new MemoryStream();
                using (var w = new Utf8JsonWriter(buffer))
                {
                    w.WriteStartObject();
                    w.WriteString("index", result.Index);
                    w.WriteNumber("vectors", result.Vectors);
                    w.WriteNumber("dim", result.Dimension);
                    w.WriteNumber("queries", result.Queries);
                    w.WriteNumber("k", result.K);
                    w.WriteNumber("ef", result.Ef);
                    if (result.Index == "hnsw")
                    {
                        w.WriteNumber("m", settings.M);
                    }
                    else
                    {
                        w.WriteNumber("lists", result.Lists);
                        w.WriteNumber("list_size", ivfSettings.ListSize);
                        w.WriteNumber("probes", ivfSettings.Probes);
                        w.WriteNumber("rerank", ivfSettings.Rerank);
                    }

                    w.WriteNumber("recall", Math.Round(result.RecallAtK, 4));
                    w.WriteNumber("exact_us", Math.Round(result.ExactMicrosPerQuery, 1));
                    w.WriteNumber("ann_us", Math.Round(result.AnnMicrosPerQuery, 1));
                    w.WriteNumber("speedup", Math.Round(result.SpeedUp, 2));
                    w.WriteNumber("build_s", Math.Round(result.BuildSeconds, 1));
                    if (result.Index == "hnsw")
                    {
                        // The HNSW-only figures keep the names earlier runs reported them under.
                        w.WriteNumber("hnsw_us", Math.Round(result.AnnMicrosPerQuery, 1));
                        w.WriteNumber("evaluations_per_query", Math.Round(result.EvaluationsPerQuery));
                        w.WriteNumber("hnsw_insert_order_us", Math.Round(result.InsertOrderMicrosPerQuery, 1));
                        w.WriteNumber("steady_hnsw_us", Math.Round(result.SteadyAnnMicrosPerQuery, 1));
                    }

                    w.WriteNumber("steady_exact_us", Math.Round(result.SteadyExactMicrosPerQuery, 1));
                    w.WriteNumber("steady_ann_us", Math.Round(result.SteadyAnnMicrosPerQuery, 1));
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
