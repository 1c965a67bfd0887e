namespace ActorRec.Recommender.Exploration;

/// <summary>
/// How much of a feed explores. A user starts at <paramref name="NewUserShare"/> and converges to
/// <paramref name="BaseShare"/> as events arrive: share(n) = base + (new − base) · 2^(−n / half-life).
/// </summary>
/// <param name="BaseShare">Exploration share of an established user.</param>
/// <param name="NewUserShare">Exploration share of a user with no events.</param>
/// <param name="NewUserHalfLifeEvents">Events after which the extra exploration has halved.</param>
public sealed record ExplorationPolicy(double BaseShare = 0.1, double NewUserShare = 0.5, double NewUserHalfLifeEvents = 20)
{
    /// <summary>Validates and names the bad key.</summary>
    public static ExplorationPolicy Create(ExplorationPolicy values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.BaseShare is < 0 or > 1 || double.IsNaN(values.BaseShare))
        {
            throw new ArgumentOutOfRangeException("exploration.share", values.BaseShare, "exploration.share must be in [0, 1].");
        }

        if (values.NewUserShare is < 0 or > 1 || double.IsNaN(values.NewUserShare))
        {
            throw new ArgumentOutOfRangeException("exploration.new-user-share", values.NewUserShare, "exploration.new-user-share must be in [0, 1].");
        }

        if (!(values.NewUserHalfLifeEvents > 0))
        {
            throw new ArgumentOutOfRangeException("exploration.new-user-half-life-events", values.NewUserHalfLifeEvents, "exploration.new-user-half-life-events must be positive.");
        }

        return values;
    }

    /// <summary>Exploration share for a user who has produced <paramref name="userEvents"/> events.</summary>
    public double ShareFor(long userEvents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(userEvents);
        return BaseShare + ((NewUserShare - BaseShare) * Math.Pow(2.0, -userEvents / NewUserHalfLifeEvents));
    }

    /// <summary>Exploration slots in a feed of <paramref name="feedSize"/> items (rounded to nearest; at least one when the share is positive).</summary>
    public int SlotsFor(int feedSize, long userEvents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(feedSize);
        var share = ShareFor(userEvents);
        var slots = (int)Math.Round(share * feedSize, MidpointRounding.AwayFromZero);
        return share > 0 && feedSize > 0 ? Math.Clamp(slots, 1, feedSize) : 0;
    }
}
