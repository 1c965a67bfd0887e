namespace ActorRec.Recommender.Experiments;

/// <summary>One arm of an experiment.</summary>
/// <param name="Name">Arm name ("control", "treatment").</param>
/// <param name="Share">Share of the experiment's traffic, in (0, 1]; the shares of an experiment sum to 1.</param>
/// <param name="Overrides">Parameter overrides applied for users in this arm (config path → value).</param>
public sealed record ArmSettings(string Name, double Share, IReadOnlyDictionary<string, string> Overrides);

/// <summary>An experiment: a name, a salt (changing it reshuffles users) and its arms.</summary>
public sealed record ExperimentSettings(string Name, string Salt, IReadOnlyList<ArmSettings> Arms)
{
    /// <summary>Validates: names non-empty and unique, shares positive and summing to 1; names the bad key.</summary>
    public static ExperimentSettings Create(string name, string salt, IReadOnlyList<ArmSettings> arms)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("experiments.<name> must be a non-empty name.", nameof(name));
        }

        var prefix = $"experiments.{name}";
        if (string.IsNullOrEmpty(salt))
        {
            throw new ArgumentException($"{prefix}.salt must be non-empty.", nameof(salt));
        }

        if (arms is null || arms.Count == 0)
        {
            throw new ArgumentException($"{prefix}.arms must list at least one arm.", nameof(arms));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var total = 0.0;
        for (var i = 0; i < arms.Count; i++)
        {
            var arm = arms[i];
            if (string.IsNullOrWhiteSpace(arm.Name) || !names.Add(arm.Name))
            {
                throw new ArgumentException($"{prefix}.arms[{i}].name must be non-empty and unique (got '{arm.Name}').", nameof(arms));
            }

            if (!(arm.Share > 0 && arm.Share <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(arms), arm.Share, $"{prefix}.arms[{i}].share must be in (0, 1].");
            }

            ArgumentNullException.ThrowIfNull(arm.Overrides, $"{prefix}.arms[{i}].overrides");
            total += arm.Share;
        }

        if (Math.Abs(total - 1.0) > 1e-6)
        {
            throw new ArgumentException($"{prefix}.arms shares sum to {total}, they must sum to 1.", nameof(arms));
        }

        return new ExperimentSettings(name, salt, arms);
    }
}
