using ActorRec.Recommender.Experiments;

namespace ActorRec.Recommender.Tests.Experiments;

public sealed class ExperimentTests
{
    private static readonly IReadOnlyDictionary<string, string> NoOverrides = new Dictionary<string, string>();

    private static ExperimentSettings Split(string salt, double treatment = 0.3) => ExperimentSettings.Create(
        "ranking-weights",
        salt,
        [
            new ArmSettings("control", 1 - treatment, NoOverrides),
            new ArmSettings("treatment", treatment, new Dictionary<string, string> { ["ranking.weights.share"] = "6" }),
        ]);

    [Fact]
    public void Assignment_is_deterministic_and_follows_the_traffic_shares()
    {
        var experiment = Split("s1");
        var treatment = 0;
        for (var u = 0; u < 20_000; u++)
        {
            var arm = ExperimentAssigner.Assign(experiment, "user-" + u);
            Assert.Same(arm, ExperimentAssigner.Assign(experiment, "user-" + u));
            treatment += arm.Name == "treatment" ? 1 : 0;
        }

        // Binomial(20000, 0.3): sd ≈ 65.
        Assert.InRange(treatment, 5_700, 6_300);
        Assert.Equal("6", ExperimentAssigner.Assign(experiment, FirstIn(experiment, "treatment")).Overrides["ranking.weights.share"]);
    }

    [Fact]
    public void The_hash_is_stable_across_processes()
    {
        // Fixed values computed independently (FNV-1a 64 over UTF-16LE bytes, then splitmix64): a change here would
        // reshuffle every running experiment.
        Assert.Equal(0x089be207b544f1e4UL, ActorRec.Recommender.Features.Hashing.Fnv1a64("a"));
        Assert.Equal(0x6ffdd0c85aff9799UL, ActorRec.Recommender.Features.Hashing.Fnv1a64("salt:u1"));
        Assert.Equal(0.5498483324148676, ExperimentAssigner.Position("salt", "u1"), 12);
    }

    [Fact]
    public void Different_salts_assign_independently()
    {
        var a = Split("salt-a", 0.5);
        var b = Split("salt-b", 0.5);
        var agree = 0;
        for (var u = 0; u < 10_000; u++)
        {
            agree += ExperimentAssigner.AssignIndex(a, "u" + u) == ExperimentAssigner.AssignIndex(b, "u" + u) ? 1 : 0;
        }

        Assert.InRange(agree, 4_700, 5_300);
    }

    [Fact]
    public void Bad_experiments_name_the_key()
    {
        var e = Assert.Throws<ArgumentException>(() => ExperimentSettings.Create("x", "s", [new ArmSettings("a", 0.5, NoOverrides), new ArmSettings("b", 0.4, NoOverrides)]));
        Assert.Contains("experiments.x.arms", e.Message);
        Assert.Contains("experiments.x.arms[1].name", Assert.Throws<ArgumentException>(() => ExperimentSettings.Create("x", "s", [new ArmSettings("a", 0.5, NoOverrides), new ArmSettings("a", 0.5, NoOverrides)])).Message);
        Assert.Contains("salt", Assert.Throws<ArgumentException>(() => ExperimentSettings.Create("x", "", [new ArmSettings("a", 1, NoOverrides)])).Message);
    }

    [Fact]
    public void Wilson_and_normal_intervals_match_known_values()
    {
        var w = ArmMetrics.Wilson(20, 100);
        Assert.Equal(0.2, w.Value, 9);
        Assert.Equal(0.1333, w.Low, 3);
        Assert.Equal(0.2888, w.High, 3);
        var zero = ArmMetrics.Wilson(0, 10);
        Assert.Equal(0, zero.Low);
        Assert.True(zero.High > 0.2);

        // Values 1..4: mean 2.5, sample sd 1.291, half-width 1.96 · 1.291 / 2 = 1.265.
        var m = ArmMetrics.Mean(10, 30, 4);
        Assert.Equal(2.5, m.Value, 9);
        Assert.Equal(2.5 - 1.2652, m.Low, 3);
    }

    [Fact]
    public void The_registry_accumulates_outcomes_under_each_users_arm()
    {
        var experiment = Split("s2", 0.5);
        var registry = new ExperimentRegistry([experiment]);
        for (var u = 0; u < 4_000; u++)
        {
            var user = "u" + u;
            var treated = registry.Assign("ranking-weights", user).Name == "treatment";
            for (var i = 0; i < 5; i++)
            {
                registry.Record(user, new ImpressionOutcome(treated ? 0.8f : 0.6f, Completed: treated ? i < 3 : i < 2, Liked: i == 0));
            }
        }

        var reports = registry.Report("ranking-weights");
        var control = reports.Single(r => r.Arm == "control");
        var treatment = reports.Single(r => r.Arm == "treatment");
        Assert.Equal(20_000, control.Impressions + treatment.Impressions);
        Assert.Equal(0.4, control.CompletionRate.Value, 9);
        Assert.Equal(0.6, treatment.CompletionRate.Value, 9);
        Assert.True(treatment.CompletionRate.Low > control.CompletionRate.High);
        Assert.Equal(0.8, treatment.WatchRatio.Value, 5);
        Assert.Equal(0.2, treatment.LikesPerImpression.Value, 9);
        Assert.Throws<KeyNotFoundException>(() => registry.Report("nope"));
    }

    private static string FirstIn(ExperimentSettings experiment, string arm)
    {
        for (var u = 0; ; u++)
        {
            if (ExperimentAssigner.Assign(experiment, "user-" + u).Name == arm)
            {
                return "user-" + u;
            }
        }
    }
}
