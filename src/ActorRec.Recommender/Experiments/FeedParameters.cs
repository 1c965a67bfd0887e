using System.Globalization;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Exploration;
using ActorRec.Recommender.Model;

namespace ActorRec.Recommender.Experiments;

/// <summary>
/// The feed parameters an experiment arm may override, resolved once per feed request: the task weights and blend
/// of the ranking model, the exploration policy and the MMR λ. Arms name them by their config path relative to
/// <c>actorrec.feed</c> (<see cref="OverridableKeys"/>); anything else is refused at start-up.
/// </summary>
/// <param name="Weights">Weights of the task mix.</param>
/// <param name="Blend">Factor of the task mix in the served score.</param>
/// <param name="Exploration">Exploration share policy.</param>
/// <param name="MmrLambda">MMR trade-off.</param>
public sealed record FeedParameters(RankingScoreWeights Weights, float Blend, ExplorationPolicy Exploration, float MmrLambda)
{
    /// <summary>Keys an arm's <c>overrides</c> may set.</summary>
    public static IReadOnlyList<string> OverridableKeys { get; } =
    [
        "model.weights.completion", "model.weights.like", "model.weights.share", "model.weights.follow", "model.weights.skip",
        "model.weights.watch-ratio", "model.blend", "exploration.share", "exploration.new-user-share", "diversity.mmr-lambda",
    ];

    /// <summary>The parameters of the settings themselves (users in no experiment).</summary>
    public static FeedParameters From(FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new FeedParameters(settings.Model.Weights, settings.Model.Blend, settings.Exploration.ToPolicy(), settings.Diversity.MmrLambda);
    }

    /// <summary>
    /// These parameters with <paramref name="overrides"/> applied; <paramref name="path"/> prefixes the key named by
    /// a <see cref="FeedSettingsException"/> for an unknown key or a bad value.
    /// </summary>
    public FeedParameters With(IReadOnlyDictionary<string, string> overrides, string path)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var p = this;
        foreach (var (key, text) in overrides)
        {
            var full = $"{path}.{key}";
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                throw new FeedSettingsException(full, $"must be a number (got \"{text}\")");
            }

            var f = (float)value;
            p = key switch
            {
                "model.weights.completion" => p with { Weights = p.Weights with { Completion = f } },
                "model.weights.like" => p with { Weights = p.Weights with { Like = f } },
                "model.weights.share" => p with { Weights = p.Weights with { Share = f } },
                "model.weights.follow" => p with { Weights = p.Weights with { Follow = f } },
                "model.weights.skip" => p with { Weights = p.Weights with { Skip = f } },
                "model.weights.watch-ratio" => p with { Weights = p.Weights with { WatchRatio = f } },
                "model.blend" => p with { Blend = f },
                "exploration.share" => p with { Exploration = p.Exploration with { BaseShare = value } },
                "exploration.new-user-share" => p with { Exploration = p.Exploration with { NewUserShare = value } },
                "diversity.mmr-lambda" => p with { MmrLambda = f },
                _ => throw new FeedSettingsException(full, $"is not a parameter an arm may override; these are: {string.Join(", ", OverridableKeys)}"),
            };
            CheckRange(full, key, value);
        }

        return p;
    }

    /// <summary>Checks every experiment of <paramref name="settings"/> (names, shares, override keys and values).</summary>
    internal static void ValidateExperiments(FeedSettings settings)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var defaults = From(settings);
        foreach (var e in settings.Experiments)
        {
            var path = $"{FeedSettings.Path}.experiments.{e.Name}";
            try
            {
                ExperimentSettings.Create(e.Name, e.Salt, e.Arms);
            }
            catch (ArgumentException ex)
            {
                throw new FeedSettingsException(path, ex.Message);
            }

            if (!names.Add(e.Name))
            {
                throw new FeedSettingsException(path, "is defined twice");
            }

            for (var i = 0; i < e.Arms.Count; i++)
            {
                defaults.With(e.Arms[i].Overrides, $"{path}.arms[{i}].overrides");
            }
        }
    }

    private static void CheckRange(string full, string key, double value)
    {
        if (key.StartsWith("model.weights.", StringComparison.Ordinal))
        {
            SettingCheck.Range(full, value, -1000, 1000);
        }
        else if (key == "model.blend")
        {
            SettingCheck.NonNegative(full, value);
        }
        else
        {
            SettingCheck.Range(full, value, 0, 1);
        }
    }
}
