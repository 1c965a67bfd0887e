using System.Text.Json.Serialization;
using ActorRec.Recommender.Model;
using ActorRec.Recommender.Reranking;

namespace ActorRec.Recommender.Experiments;

// Wire shapes of GET /v1/experiments, GET /v1/experiments/{name} and GET /v1/debug/quality.

/// <summary>One arm as configured.</summary>
public sealed record ArmDto(string Name, double Share, IReadOnlyDictionary<string, string> Overrides);

/// <summary>One experiment as configured (<c>GET /v1/experiments</c> lists these).</summary>
public sealed record ExperimentDto(string Name, string Salt, IReadOnlyList<ArmDto> Arms);

/// <summary><c>GET /v1/experiments</c>.</summary>
public sealed record ExperimentListDto(IReadOnlyList<ExperimentDto> Experiments);

/// <summary>A point estimate with its 95% confidence interval and sample size.</summary>
public sealed record EstimateDto(double Value, double Low, double High, long N)
{
    public static EstimateDto From(Estimate e) => new(e.Value, e.Low, e.High, e.N);
}

/// <summary>Per-arm metrics from the event stream.</summary>
public sealed record ArmMetricsDto(
    string Name,
    double Share,
    IReadOnlyDictionary<string, string> Overrides,
    long Impressions,
    EstimateDto WatchRatio,
    EstimateDto CompletionRate,
    EstimateDto LikesPerImpression,
    EstimateDto IntraListDiversity);

/// <summary><c>GET /v1/experiments/{name}[?userId=u]</c>: the arms with their metrics, and the user's arm when asked.</summary>
public sealed record ExperimentReportDto(string Name, string Salt, IReadOnlyList<ArmMetricsDto> Arms, string? UserId = null, string? AssignedArm = null);

/// <summary>One calibration bucket.</summary>
public sealed record CalibrationBucketDto(double Lower, double Upper, int Count, double MeanPredicted, double ObservedRate);

/// <summary>Held-out calibration of the completion head.</summary>
public sealed record CalibrationDto(int Count, double ExpectedCalibrationError, double Auc, IReadOnlyList<CalibrationBucketDto> Buckets);

/// <summary><c>GET /v1/debug/quality</c>: the ranking model, its calibration, and the served feeds' diversity.</summary>
public sealed record QualityReportDto(bool ModelEnabled, RankingModelStats? Model, CalibrationDto? Calibration, long Feeds, double MeanIntraListDiversity);

/// <summary>Builds the wire shapes from the live components.</summary>
public static class QualityReports
{
    public static ExperimentListDto List(ExperimentRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var list = new List<ExperimentDto>(registry.Count);
        foreach (var name in registry.Names)
        {
            var e = registry.Find(name)!;
            var arms = new ArmDto[e.Arms.Count];
            for (var i = 0; i < arms.Length; i++)
            {
                arms[i] = new ArmDto(e.Arms[i].Name, e.Arms[i].Share, e.Arms[i].Overrides);
            }

            list.Add(new ExperimentDto(e.Name, e.Salt, arms));
        }

        return new ExperimentListDto(list);
    }

    /// <summary>The report of one experiment, or null when there is none of that name.</summary>
    public static ExperimentReportDto? Report(ExperimentRegistry registry, string name, string? userId)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var e = registry.Find(name);
        if (e is null)
        {
            return null;
        }

        var reports = registry.Report(name);
        var arms = new ArmMetricsDto[reports.Count];
        for (var i = 0; i < arms.Length; i++)
        {
            var r = reports[i];
            arms[i] = new ArmMetricsDto(r.Arm, e.Arms[i].Share, e.Arms[i].Overrides, r.Impressions, EstimateDto.From(r.WatchRatio),
                EstimateDto.From(r.CompletionRate), EstimateDto.From(r.LikesPerImpression), EstimateDto.From(r.IntraListDiversity));
        }

        return new ExperimentReportDto(e.Name, e.Salt, arms, userId, userId is null ? null : ExperimentAssigner.Assign(e, userId).Name);
    }

    public static QualityReportDto Quality(FeedQuality quality)
    {
        ArgumentNullException.ThrowIfNull(quality);
        var diversity = quality.DiversityStats();
        CalibrationDto? calibration = null;
        if (quality.Model is { } model)
        {
            var c = model.Calibration();
            var buckets = new List<CalibrationBucketDto>(c.Buckets.Count);
            foreach (var b in c.Buckets)
            {
                buckets.Add(new CalibrationBucketDto(b.Lower, b.Upper, b.Count, b.MeanPredicted, b.ObservedRate));
            }

            calibration = new CalibrationDto(c.Count, c.ExpectedCalibrationError, c.Auc, buckets);
        }

        return new QualityReportDto(quality.Model is not null, quality.Model?.Stats(), calibration, diversity.Feeds, diversity.MeanIntraListDiversity);
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExperimentListDto))]
[JsonSerializable(typeof(ExperimentReportDto))]
[JsonSerializable(typeof(QualityReportDto))]
public sealed partial class QualityJsonContext : JsonSerializerContext;
