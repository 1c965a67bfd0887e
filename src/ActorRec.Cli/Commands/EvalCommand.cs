using System.CommandLine;
using System.Globalization;
using ActorRec.Recommender.Evaluation;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec eval --dataset ml-100k|ml-1m|kuairand --data-root DIR [--json]</c>: replays a real data set in time
/// order, test-then-train, and reports HitRate@10, NDCG@10 and Recall@50 (full ranking over all items, seen items
/// excluded) for the served model ("actorrec"), the popularity baseline and batch MF fitted on the first 80% of the
/// events, in one run (see <see cref="PrequentialEvaluator"/>). Progress goes to stderr; the table or the JSON
/// object to stdout. A missing data set is a clear message and exit code 1.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "Data set to replay: " + string.Join(", ", DatasetLoader.Names) + ".",
            Required = true,
            HelpName = "NAME",
        };
        dataset.AcceptOnlyFromAmong([.. DatasetLoader.Names]);
        var dataRoot = new Option<string>("--data-root")
        {
            Description = "Folder that holds the data sets (ml-100k/, ml-1m_partial/, kuairand_27k_like_hate_subset/).",
            DefaultValueFactory = _ => Path.Combine("..", "shared", "data"),
            HelpName = "DIR",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };

        var eval = new Command("eval", "Prequential evaluation on a real data set: actorrec vs popularity vs batch MF.");
        eval.Add(dataset);
        eval.Add(dataRoot);
        eval.Add(json);
        eval.SetAction(parseResult => Run(
            context,
            parseResult.GetValue(dataset)!,
            parseResult.GetValue(dataRoot)!,
            parseResult.GetValue(json)));
        return eval;
    }

    private static int Run(CliContext context, string name, string dataRoot, bool json)
    {
        InteractionDataset data;
        try
        {
            data = DatasetLoader.Load(name, dataRoot);
        }
        catch (DatasetNotFoundException error)
        {
            context.Error.WriteLine($"actorrec: {error.Message}");
            return ExitCodes.Failure;
        }
        catch (InvalidDataException error)
        {
            context.Error.WriteLine($"actorrec: data set '{name}' is malformed: {error.Message}");
            return ExitCodes.Failure;
        }

        context.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"eval {name}: {data.Interactions.Length} events, {data.UserCount} users, {data.ItemCount} items; training batch MF on the first 80%..."));
        var progress = new StderrProgress(context.Error, name);
        var report = PrequentialEvaluator.RunStandard(data, progress: progress);
        context.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"eval {name}: done in {report.Elapsed.TotalSeconds:F1} s, {report.EvaluatedPositives} positives evaluated."));
        context.Output.WriteLine(json ? report.ToJson() : report.ToTable());
        return ExitCodes.Ok;
    }

    /// <summary>Reports synchronously on the replay thread (the default Progress&lt;T&gt; would post to the pool).</summary>
    private sealed class StderrProgress(TextWriter error, string name) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"eval {name}: {value.Replayed}/{value.Total} events replayed ({100.0 * value.Replayed / value.Total:F0}%), {value.Evaluated} positives evaluated"));
    }
}
