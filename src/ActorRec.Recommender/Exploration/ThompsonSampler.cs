using System.Runtime.CompilerServices;
namespace ActorRec.Recommender.Exploration;

/// <summary>Settings of Thompson sampling.</summary>
/// <param name="PriorAlpha">Beta prior successes (pseudo-counts) of an arm never seen.</param>
/// <param name="PriorBeta">Beta prior failures of an arm never seen.</param>
/// <param name="Seed">Seed of the sampler: same updates and calls give the same draws.</param>
public sealed record ThompsonSettings(double PriorAlpha = 1.0, double PriorBeta = 10.0, int Seed = 23)
{
    /// <summary>Validates and names the bad key.</summary>
    public static ThompsonSettings Create(ThompsonSettings values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!(values.PriorAlpha > 0) || !(values.PriorBeta > 0) || !double.IsFinite(values.PriorAlpha) || !double.IsFinite(values.PriorBeta))
        {
            throw new ArgumentOutOfRangeException("exploration.thompson.prior-alpha", values.PriorAlpha, "exploration.thompson.prior-alpha and prior-beta must be positive and finite.");
        }

        return values;
    }
}

/// <summary>
/// Thompson sampling over Bernoulli arms (candidates or topics) with Beta posteriors: each arm keeps
/// Beta(α₀ + successes, β₀ + failures); choosing draws one sample per arm and takes the best, so an arm is picked
/// with the probability that it is the best one given the evidence, which explores uncertain arms and exploits
/// proven ones. Deterministic for a seed. Not thread-safe (one owner).
/// </summary>
public sealed class ThompsonSampler<TKey>
    where TKey : notnull
{
    private readonly ThompsonSettings _settings;
    private readonly Dictionary<TKey, (double Successes, double Failures)> _arms = new();
    private readonly Random _random;
    private double[] _draws = new double[16];

    /// <summary>Creates a sampler with no evidence.</summary>
    public ThompsonSampler(ThompsonSettings? settings = null)
    {
        _settings = ThompsonSettings.Create(settings ?? new ThompsonSettings());
        _random = new Random(_settings.Seed);
    }

    /// <summary>Arms with evidence.</summary>
    public int Count => _arms.Count;

    /// <summary>Adds evidence to an arm.</summary>
    public void Update(TKey arm, double successes, double failures)
    {
        if (!(successes >= 0) || !(failures >= 0) || !double.IsFinite(successes) || !double.IsFinite(failures))
        {
            throw new ArgumentOutOfRangeException(nameof(successes), $"successes ({successes}) and failures ({failures}) must be finite and non-negative.");
        }

        var (s, f) = _arms.GetValueOrDefault(arm);
        _arms[arm] = (s + successes, f + failures);
    }

    /// <summary>Adds one Bernoulli outcome to an arm.</summary>
    public void Update(TKey arm, bool success) => Update(arm, success ? 1 : 0, success ? 0 : 1);

    /// <summary>The posterior parameters of an arm.</summary>
    public (double Alpha, double Beta) Posterior(TKey arm)
    {
        var (s, f) = _arms.GetValueOrDefault(arm);
        return (_settings.PriorAlpha + s, _settings.PriorBeta + f);
    }

    /// <summary>Posterior mean of an arm.</summary>
    public double Mean(TKey arm)
    {
        var (a, b) = Posterior(arm);
        return a / (a + b);
    }

    /// <summary>One draw from an arm's posterior.</summary>
    public double Sample(TKey arm)
    {
        var (a, b) = Posterior(arm);
        return BetaSampler.Sample(_random, a, b);
    }

    /// <summary>
    /// Draws once per candidate and writes the indices of the <paramref name="count"/> highest draws, best first,
    /// into <paramref name="chosen"/>; returns how many were written.
    /// </summary>
    public int Select(ReadOnlySpan<TKey> candidates, int count, Span<int> chosen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var n = Math.Min(count, candidates.Length);
        if (chosen.Length < n)
        {
            throw new ArgumentException($"chosen holds {chosen.Length} entries, {n} needed.", nameof(chosen));
        }

        if (_draws.Length < candidates.Length)
        {
            _draws = new double[Math.Max(candidates.Length, _draws.Length * 2)];
        }

        for (var i = 0; i < candidates.Length; i++)
        {
            _draws[i] = Sample(candidates[i]);
        }

        // Partial selection: n is small (the exploration slots of one feed).
        for (var k = 0; k < n; k++)
        {
            var best = -1;
            for (var i = 0; i < candidates.Length; i++)
            {
                if (_draws[i] >= 0 && (best < 0 || _draws[i] > _draws[best]))
                {
                    best = i;
                }
            }

            chosen[k] = best;
            _draws[best] = -1;
        }

        return n;
    }
}

/// <summary>Beta and Gamma variates (Marsaglia–Tsang for Gamma; Beta = X / (X + Y)).</summary>
public static class BetaSampler
{
    /// <summary>One draw from Beta(<paramref name="alpha"/>, <paramref name="beta"/>).</summary>
    public static double Sample(Random random, double alpha, double beta)
    {
        ArgumentNullException.ThrowIfNull(random);
        var x = Gamma(random, alpha);
        var y = Gamma(random, beta);
        return x / (x + y);
    }

    /// <summary>One draw from Gamma(shape, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Gamma(Random random, double shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (shape < 1.0)
        {
            // Boost: Gamma(a) = Gamma(a + 1) · U^(1/a).
            var u = 1.0 - random.NextDouble();
            return Gamma(random, shape + 1.0) * Math.Pow(u, 1.0 / shape);
        }

        var d = shape - (1.0 / 3.0);
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x;
            double v;
            do
            {
                x = Normal(random);
                v = 1.0 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = random.NextDouble();
            if (u < 1.0 - (0.0331 * x * x * x * x) || Math.Log(u) < (0.5 * x * x) + (d * (1.0 - v + Math.Log(v))))
            {
                return d * v;
            }
        }
    }

    private static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
