using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ActorRec.Recommender.Evaluation;

/// <summary>Settings of the prequential evaluation.</summary>
/// <param name="TrainFraction">Share of the log (in time order) that only trains: metrics are taken on the rest,
/// and the batch baseline is fitted on exactly this prefix.</param>
/// <param name="HitK">Cut-off of HitRate and NDCG.</param>
/// <param name="RecallK">Cut-off of Recall.</param>
public sealed record EvaluationSettings(double TrainFraction = 0.8, int HitK = 10, int RecallK = 50)
{
    /// <summary>Validates and names the bad key.</summary>
    public static EvaluationSettings Create(double trainFraction = 0.8, int hitK = 10, int recallK = 50)
    {
        if (!(trainFraction is >= 0.0 and < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, "eval.train-fraction must be in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hitK, "eval.hit-k");
        if (recallK < hitK)
        {
            throw new ArgumentOutOfRangeException(nameof(recallK), recallK, "eval.recall-k must be at least eval.hit-k.");
        }

        return new EvaluationSettings(trainFraction, hitK, recallK);
    }
}

/// <summary>Ranking metrics of one model, averaged over the evaluated positives.</summary>
public sealed record RankingMetrics(double HitRate10, double Ndcg10, double Recall50, int Evaluated);

/// <summary>Where a running evaluation stands: events replayed so far out of the total.</summary>
public readonly record struct EvaluationProgress(int Replayed, int Total, int Evaluated);

/// <summary>What one evaluation run produced.</summary>
public sealed record EvaluationReport(string Dataset, int Events, int EvaluatedPositives, IReadOnlyDictionary<string, RankingMetrics> Models)
{
    /// <summary>Wall time of the whole run (batch training included), when the runner measured it.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>
    /// <c>{"dataset":…,"events":N,"models":{"name":{"hr10":…,"ndcg10":…,"recall50":…},…}}</c>: exactly these keys,
    /// metrics rounded to 4 decimals.
    /// </summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("dataset", Dataset);
            json.WriteNumber("events", Events);
            json.WriteStartObject("models");
            foreach (var (name, m) in Models)
            {
                json.WriteStartObject(name);
                json.WriteNumber("hr10", Math.Round(m.HitRate10, 4));
                json.WriteNumber("ndcg10", Math.Round(m.Ndcg10, 4));
                json.WriteNumber("recall50", Math.Round(m.Recall50, 4));
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A fixed-width text table, one model a line.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Dataset}: {Events} events, {EvaluatedPositives} positives evaluated");
        if (Elapsed > TimeSpan.Zero)
        {
            sb.Append(CultureInfo.InvariantCulture, $", {Elapsed.TotalSeconds:F1} s");
        }

        sb.Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"{"model",-16} {"HR@10",8} {"NDCG@10",8} {"Recall@50",10}\n");
        foreach (var (name, m) in Models)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{name,-16} {m.HitRate10,8:F4} {m.Ndcg10,8:F4} {m.Recall50,10:F4}\n");
        }

        return sb.ToString();
    }
}

/// <summary>
/// The prequential (test-then-train) loop. Interactions are replayed in time order. For each positive in the
/// evaluation segment (after <see cref="EvaluationSettings.TrainFraction"/> of the log) every model is asked for
/// the user's top-K over the full catalogue, with the user's already-seen items excluded, and the rank of the true
/// item is scored; then every model observes the interaction (positives and negatives alike). A positive whose
/// item the user has already seen is not scored (it cannot be recommended).
/// </summary>
public static class PrequentialEvaluator
{
    /// <summary>Replays <paramref name="dataset"/> through <paramref name="models"/> and reports their metrics.</summary>
    public static EvaluationReport Run(InteractionDataset dataset, IReadOnlyList<IOnlineRecommender> models, EvaluationSettings? settings = null, IProgress<EvaluationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            throw new ArgumentException("At least one model is needed.", nameof(models));
        }

        settings ??= new EvaluationSettings();
        var events = dataset.Interactions;
        var start = (int)(events.Length * settings.TrainFraction);
        var seen = new HashSet<int>[dataset.UserCount];
        var hits = new double[models.Count];
        var ndcg = new double[models.Count];
        var recall = new double[models.Count];
        var evaluated = 0;
        var list = new int[settings.RecallK];
        var step = Math.Max(1, events.Length / 20);
        for (var t = 0; t < events.Length; t++)
        {
            if (progress is not null && t % step == 0 && t > 0)
            {
                progress.Report(new EvaluationProgress(t, events.Length, evaluated));
            }

            var e = events[t];
            var userSeen = seen[e.User] ??= new HashSet<int>();
            if (t >= start && e.Positive && !userSeen.Contains(e.Item))
            {
                evaluated++;
                for (var m = 0; m < models.Count; m++)
                {
                    models[m].AdvanceTo(e.Timestamp);
                    var n = models[m].TopK(e.User, settings.RecallK, userSeen, list);
                    var rank = Array.IndexOf(list, e.Item, 0, n);
                    if (rank >= 0)
                    {
                        recall[m] += 1.0;
                        if (rank < settings.HitK)
                        {
                            hits[m] += 1.0;
                            ndcg[m] += 1.0 / Math.Log2(rank + 2.0);
                        }
                    }
                }
            }

            for (var m = 0; m < models.Count; m++)
            {
                models[m].Observe(e);
            }

            userSeen.Add(e.Item);
        }

        var results = new Dictionary<string, RankingMetrics>(models.Count);
        for (var m = 0; m < models.Count; m++)
        {
            var d = Math.Max(evaluated, 1);
            results[models[m].Name] = new RankingMetrics(hits[m] / d, ndcg[m] / d, recall[m] / d, evaluated);
        }

        return new EvaluationReport(dataset.Name, events.Length, evaluated, results);
    }

    /// <summary>
    /// The standard comparison: <paramref name="primary"/> (default: the served model,
    /// <see cref="ServedModelRecommender"/>, named "actorrec"), the popularity baseline, and batch MF fitted on the
    /// training prefix, in one replay. <see cref="EvaluationReport.Elapsed"/> covers the batch training too.
    /// </summary>
    public static EvaluationReport RunStandard(InteractionDataset dataset, IOnlineRecommender? primary = null, EvaluationSettings? settings = null, BatchMfSettings? batchSettings = null, IProgress<EvaluationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        settings ??= new EvaluationSettings();
        var prefix = (int)(dataset.Interactions.Length * settings.TrainFraction);
        var batch = new BatchMatrixFactorization(dataset.Interactions.AsSpan(0, prefix), dataset.UserCount, dataset.ItemCount, batchSettings);
        primary ??= new ServedModelRecommender(dataset.UserCount, dataset.ItemCount, dataset.StrengthKind);
        var report = Run(dataset, [primary, new PopularityRecommender(dataset.ItemCount), batch], settings, progress);
        return report with { Elapsed = clock.Elapsed };
    }
}
