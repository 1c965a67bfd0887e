using ActorRec.Recommender.Exploration;

namespace ActorRec.Recommender.Tests.Exploration;

public sealed class ExplorationTests
{
    [Fact]
    public void Beta_draws_have_the_right_mean_and_variance()
    {
        var random = new Random(1);
        const int n = 40_000;
        double sum = 0, sumSq = 0;
        for (var i = 0; i < n; i++)
        {
            var x = BetaSampler.Sample(random, 2, 5);
            Assert.InRange(x, 0, 1);
            sum += x;
            sumSq += x * x;
        }

        var mean = sum / n;
        var variance = (sumSq / n) - (mean * mean);
        Assert.InRange(mean, (2.0 / 7.0) - 0.005, (2.0 / 7.0) + 0.005);
        Assert.InRange(variance, (10.0 / 392.0) * 0.95, (10.0 / 392.0) * 1.05);
        Assert.InRange(BetaSampler.Sample(random, 0.3, 0.3), 0, 1);
    }

    [Fact]
    public void Thompson_sampling_converges_on_the_best_arm_and_is_deterministic()
    {
        double[] truth = [0.05, 0.10, 0.30, 0.12];
        int[] RunOnce()
        {
            var sampler = new ThompsonSampler<int>(new ThompsonSettings(1, 1, Seed: 7));
            var env = new Random(3);
            var picks = new int[truth.Length];
            int[] arms = [0, 1, 2, 3];
            var chosen = new int[1];
            for (var t = 0; t < 3_000; t++)
            {
                sampler.Select(arms, 1, chosen);
                var arm = arms[chosen[0]];
                sampler.Update(arm, env.NextDouble() < truth[arm]);
                if (t >= 2_000)
                {
                    picks[arm]++;
                }
            }

            return picks;
        }

        var picks = RunOnce();
        Assert.True(picks[2] > 900, $"best arm picked {picks[2]} of the last 1000");
        Assert.Equal(picks, RunOnce());
    }

    [Fact]
    public void Uncertain_new_arms_still_get_explored()
    {
        var sampler = new ThompsonSampler<string>(new ThompsonSettings(1, 1, Seed: 2));
        sampler.Update("proven", 40, 60);
        var chosen = new int[1];
        var newPicked = 0;
        for (var i = 0; i < 1_000; i++)
        {
            sampler.Select(["proven", "new"], 1, chosen);
            newPicked += chosen[0] == 1 ? 1 : 0;
        }

        // P(Beta(1,1) > Beta(41,61)) ≈ 0.6: the unknown arm is tried often, the proven one too.
        Assert.InRange(newPicked, 450, 750);
        Assert.Equal(41.0 / 102.0, sampler.Mean("proven"), 6);
    }

    [Fact]
    public void New_users_explore_more_and_converge_to_the_base_share()
    {
        var policy = ExplorationPolicy.Create(new ExplorationPolicy(BaseShare: 0.1, NewUserShare: 0.5, NewUserHalfLifeEvents: 10));

        Assert.Equal(0.5, policy.ShareFor(0), 9);
        Assert.Equal(0.3, policy.ShareFor(10), 9);
        Assert.True(policy.ShareFor(200) < 0.1001);
        Assert.Equal(5, policy.SlotsFor(10, 0));
        Assert.Equal(1, policy.SlotsFor(10, 1_000));
        Assert.Equal(0, new ExplorationPolicy(0, 0, 1).SlotsFor(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplorationPolicy.Create(new ExplorationPolicy(BaseShare: 1.5)));
    }

    [Fact]
    public void A_good_video_climbs_every_stage_to_all()
    {
        var settings = new PromotionSettings(
        [
            new PromotionStage("test", 20, 10, 0.5, 0.1),
            new PromotionStage("pool", 100, 50, 0.5, 0.1),
            new PromotionStage("all", long.MaxValue, long.MaxValue, 0, 0),
        ]);
        var video = new VideoPromotion(settings);
        var changes = new List<PromotionChange>();
        for (var i = 0; i < 60; i++)
        {
            var change = video.Record(completed: i % 3 != 0, shared: i % 5 == 0);
            if (change != PromotionChange.None)
            {
                changes.Add(change);
            }
        }

        Assert.Equal([PromotionChange.Promoted, PromotionChange.Promoted], changes);
        Assert.Equal(PromotionStatus.Graduated, video.Status);
        Assert.Equal("all", video.Snapshot().Stage);
        Assert.True(video.CanServe);
        Assert.Equal(60, video.Snapshot().TotalImpressions);
    }

    [Fact]
    public void A_video_below_a_threshold_is_stopped_and_no_longer_served()
    {
        var video = new VideoPromotion();
        PromotionChange last = PromotionChange.None;
        for (var i = 0; i < 300; i++)
        {
            Assert.True(video.CanServe);
            last = video.Record(completed: i % 2 == 0, shared: false);
        }

        Assert.Equal(PromotionChange.Stopped, last);
        Assert.Equal(PromotionStatus.Stopped, video.Status);
        Assert.False(video.CanServe);
        Assert.Equal("test-audience", video.Snapshot().Stage);
        Assert.Equal(0.5, video.Snapshot().CompletionRate, 9);
    }

    [Fact]
    public void Invalid_ladders_are_rejected_with_the_stage_key()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PromotionSettings.Create(new PromotionSettings(
        [
            new PromotionStage("test", 10, 20, 0.5, 0.1),
            new PromotionStage("all", long.MaxValue, long.MaxValue, 0, 0),
        ])));
        Assert.Contains("cold-start.stages[0]", e.Message);
    }
}
