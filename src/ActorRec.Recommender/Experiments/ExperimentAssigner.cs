using ActorRec.Recommender.Features;

namespace ActorRec.Recommender.Experiments;

/// <summary>
/// Deterministic arm assignment: u = FNV-1a-64(salt + ":" + userId) mixed by splitmix64, mapped to [0, 1), and
/// the arm whose cumulative share interval contains u. Stable across processes, machines and runtime versions
/// (never <c>string.GetHashCode</c>); independent between experiments because each has its own salt.
/// </summary>
public static class ExperimentAssigner
{
    /// <summary>The user's point in [0, 1) for a salt.</summary>
    public static double Position(string salt, string userId)
    {
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentNullException.ThrowIfNull(userId);
        // FNV-1a of salt + ":" + userId, hashed piece by piece (no joined string on the per-feed path).
        var h = Hashing.Mix64(Hashing.Fnv1a64Append(Hashing.Fnv1a64(salt, ":"), userId));
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Index of the user's arm in <paramref name="experiment"/>.</summary>
    public static int AssignIndex(ExperimentSettings experiment, string userId)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        var u = Position(experiment.Salt, userId);
        var cumulative = 0.0;
        for (var i = 0; i < experiment.Arms.Count; i++)
        {
            cumulative += experiment.Arms[i].Share;
            if (u < cumulative)
            {
                return i;
            }
        }

        return experiment.Arms.Count - 1;
    }

    /// <summary>The user's arm in <paramref name="experiment"/>.</summary>
    public static ArmSettings Assign(ExperimentSettings experiment, string userId) => experiment.Arms[AssignIndex(experiment, userId)];
}
