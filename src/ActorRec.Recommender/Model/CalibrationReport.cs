using System.Globalization;
using System.Text;

namespace ActorRec.Recommender.Model;

/// <summary>One bucket of predicted probabilities.</summary>
/// <param name="Lower">Inclusive lower edge.</param>
/// <param name="Upper">Exclusive upper edge (1 is inclusive for the last bucket).</param>
/// <param name="Count">Examples in the bucket.</param>
/// <param name="MeanPredicted">Mean prediction in the bucket.</param>
/// <param name="ObservedRate">Share of positives in the bucket.</param>
public sealed record CalibrationBucket(double Lower, double Upper, int Count, double MeanPredicted, double ObservedRate);

/// <summary>
/// Predicted vs observed rates per probability bucket on held-out events, the expected calibration error
/// (count-weighted mean |predicted − observed|) and the AUC of the same predictions.
/// </summary>
public sealed record CalibrationReport(IReadOnlyList<CalibrationBucket> Buckets, double ExpectedCalibrationError, double Auc, int Count)
{
    /// <summary>Builds the report from paired predictions and outcomes.</summary>
    public static CalibrationReport Build(ReadOnlySpan<float> predicted, ReadOnlySpan<bool> observed, int buckets = 10)
    {
        if (predicted.Length != observed.Length)
        {
            throw new ArgumentException($"predicted has {predicted.Length} entries, observed {observed.Length}.", nameof(observed));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(buckets);
        var counts = new int[buckets];
        var sums = new double[buckets];
        var positives = new int[buckets];
        for (var i = 0; i < predicted.Length; i++)
        {
            var p = Math.Clamp(predicted[i], 0f, 1f);
            var b = Math.Min((int)(p * buckets), buckets - 1);
            counts[b]++;
            sums[b] += p;
            positives[b] += observed[i] ? 1 : 0;
        }

        var list = new List<CalibrationBucket>(buckets);
        var ece = 0.0;
        for (var b = 0; b < buckets; b++)
        {
            var mean = counts[b] > 0 ? sums[b] / counts[b] : 0.0;
            var rate = counts[b] > 0 ? (double)positives[b] / counts[b] : 0.0;
            list.Add(new CalibrationBucket((double)b / buckets, (double)(b + 1) / buckets, counts[b], mean, rate));
            ece += counts[b] * Math.Abs(mean - rate);
        }

        return new CalibrationReport(list, predicted.Length > 0 ? ece / predicted.Length : 0.0, ComputeAuc(predicted, observed), predicted.Length);
    }

    /// <summary>Area under the ROC curve by ranks (ties share their mean rank); 0.5 when one class is missing.</summary>
    public static double ComputeAuc(ReadOnlySpan<float> predicted, ReadOnlySpan<bool> observed)
    {
        var n = predicted.Length;
        var order = new int[n];
        var keys = predicted.ToArray();
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        double positiveRankSum = 0;
        long positives = 0;
        var start = 0;
        while (start < n)
        {
            var end = start;
            while (end + 1 < n && keys[end + 1] == keys[start])
            {
                end++;
            }

            var meanRank = ((start + end) / 2.0) + 1.0;
            for (var i = start; i <= end; i++)
            {
                if (observed[order[i]])
                {
                    positiveRankSum += meanRank;
                    positives++;
                }
            }

            start = end + 1;
        }

        var negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return 0.5;
        }

        return (positiveRankSum - (positives * (positives + 1) / 2.0)) / (positives * (double)negatives);
    }

    /// <summary>A text table: bucket, count, mean predicted, observed.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"calibration on {Count} held-out events: ECE={ExpectedCalibrationError:F4} AUC={Auc:F4}\n");
        foreach (var b in Buckets)
        {
            if (b.Count > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"[{b.Lower:F1},{b.Upper:F1}) n={b.Count,6} predicted={b.MeanPredicted:F3} observed={b.ObservedRate:F3}\n");
            }
        }

        return sb.ToString();
    }
}
