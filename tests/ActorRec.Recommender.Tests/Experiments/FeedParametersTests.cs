using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Experiments;
using ActorRec.Recommender.Reranking;

namespace ActorRec.Recommender.Tests.Experiments;

public sealed class FeedParametersTests
{
    private static ExperimentSettings Experiment(string name, string key, string value) => ExperimentSettings.Create(name, name + "-salt",
    [
        new ArmSettings("control", 0.5, new Dictionary<string, string>()),
        new ArmSettings("treatment", 0.5, new Dictionary<string, string> { [key] = value }),
    ]);

    [Fact]
    public void Each_user_gets_the_overrides_of_their_arm_in_every_experiment()
    {
        var settings = (FeedSettings.Default with
        {
            Experiments = [Experiment("weights", "model.weights.like", "6"), Experiment("explore", "exploration.share", "0.3")],
        }).Validate();
        var quality = new FeedQuality(settings);
        var seen = new HashSet<string>();
        for (var u = 0; u < 200; u++)
        {
            var user = $"u{u}";
            var p = quality.ParametersFor(user, out var arms);
            var again = quality.ParametersFor(user, out var armsAgain);
            Assert.Same(p, again);
            Assert.Equal(arms, armsAgain);
            var likeArm = ExperimentAssigner.Assign(settings.Experiments[0], user).Name;
            var exploreArm = ExperimentAssigner.Assign(settings.Experiments[1], user).Name;
            Assert.Equal([$"weights:{likeArm}", $"explore:{exploreArm}"], arms);
            Assert.Equal(likeArm == "treatment" ? 6f : settings.Model.Weights.Like, p.Weights.Like);
            Assert.Equal(exploreArm == "treatment" ? 0.3 : settings.Exploration.Share, p.Exploration.BaseShare);
            Assert.Equal(settings.Model.Weights.Share, p.Weights.Share);
            seen.Add(string.Join(",", arms));
        }

        Assert.Equal(4, seen.Count);
    }

    [Fact]
    public void Without_experiments_every_user_gets_the_settings_own_parameters()
    {
        var quality = new FeedQuality(FeedSettings.Default);
        Assert.Same(quality.Defaults, quality.ParametersFor("anyone", out var arms));
        Assert.Empty(arms);
    }

    [Theory]
    [InlineData("model.weights.charm", "1", "actorrec.feed.experiments.x.arms[1].overrides.model.weights.charm")]
    [InlineData("diversity.mmr-lambda", "2", "actorrec.feed.experiments.x.arms[1].overrides.diversity.mmr-lambda")]
    [InlineData("model.blend", "lots", "actorrec.feed.experiments.x.arms[1].overrides.model.blend")]
    public void A_bad_override_names_its_key(string key, string value, string path)
    {
        var ex = Assert.Throws<FeedSettingsException>(() => (FeedSettings.Default with { Experiments = [Experiment("x", key, value)] }).Validate());
        Assert.Equal(path, ex.Key);
    }
}
