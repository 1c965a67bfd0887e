using ActorRec.Actors.TestKit;
using ActorRec.Cluster.FailureDetection;

namespace ActorRec.Cluster.Tests.FailureDetection;

public sealed class PhiAccrualFailureDetectorTests
{
    private static readonly FailureDetectorOptions Options = FailureDetectorOptions.From(new ClusterSettings());

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Steady_heartbeats_stay_far_below_the_threshold()
    {
        var time = new VirtualTimeProvider();
        var fd = new PhiAccrualFailureDetector(Options, time);
        Assert.Equal(0, fd.Phi());
        for (var i = 0; i < 300; i++)
        {
            fd.Heartbeat();
            time.Advance(Ms(1000));
            Assert.True(fd.Phi() < 0.5, $"phi {fd.Phi()} at beat {i}");
        }

        time.Advance(Ms(2000)); // 3 s silent: within the acceptable pause
        Assert.True(fd.IsAvailable());
        Assert.True(fd.Phi() < 1);
    }

    [Fact]
    public void A_stopped_peer_crosses_the_threshold_after_mean_plus_acceptable_pause_plus_a_few_deviations()
    {
        var time = new VirtualTimeProvider();
        var fd = new PhiAccrualFailureDetector(Options, time);
        for (var i = 0; i < 250; i++)
        {
            fd.Heartbeat();
            time.Advance(Ms(1000));
        }

        fd.Heartbeat();
        var silent = TimeSpan.Zero;
        while (fd.IsAvailable())
        {
            time.Advance(Ms(10));
            silent += Ms(10);
            Assert.True(silent < TimeSpan.FromSeconds(30), "never suspected");
        }

        // mean 1 s + pause 3 s, std at its 100 ms floor: phi = 8 at about 5.6 deviations past 4 s.
        Assert.InRange(silent.TotalMilliseconds, 4400, 4800);
        Assert.True(fd.Phi() >= 8);
        time.Advance(Ms(2000));
        Assert.True(fd.Phi() > 8 && double.IsFinite(fd.Phi()));
    }

    [Fact]
    public void Jittery_heartbeats_under_load_are_not_suspected_within_the_acceptable_pause()
    {
        var time = new VirtualTimeProvider();
        var fd = new PhiAccrualFailureDetector(Options, time);
        var random = new Random(12345);
        var maxPhi = 0.0;
        for (var i = 0; i < 600; i++)
        {
            fd.Heartbeat();
            // 0.5–1.5 s jitter, and every 25th beat a stall as long as the acceptable pause (GC, CPU saturation).
            var gap = i % 25 == 24 ? Ms(3000) : Ms(500 + (random.NextDouble() * 1000));
            for (var t = TimeSpan.Zero; t < gap; t += Ms(50))
            {
                time.Advance(Ms(50));
                maxPhi = Math.Max(maxPhi, fd.Phi());
            }
        }

        Assert.True(maxPhi < Options.Threshold, $"max phi {maxPhi}");
    }

    [Fact]
    public void Phi_is_monotonic_in_elapsed_time_and_finite_on_both_tails()
    {
        var previous = -1.0;
        for (var elapsed = 0; elapsed < 60_000; elapsed += 100)
        {
            var phi = PhiAccrualFailureDetector.ComputePhi(elapsed, 4000, 100);
            Assert.True(double.IsFinite(phi) && phi >= 0);
            Assert.True(phi >= previous);
            previous = phi;
        }

        Assert.True(PhiAccrualFailureDetector.ComputePhi(0, 4000, 100) < 1e-6);
    }

    [Fact]
    public void Registry_suspects_only_monitored_members_that_went_quiet()
    {
        var time = new VirtualTimeProvider();
        var registry = new FailureDetectorRegistry(Options, time);
        Assert.False(registry.IsSuspected("b#1"));
        for (var i = 0; i < 10; i++)
        {
            registry.Heartbeat("b#1");
            registry.Heartbeat("c#1");
            time.Advance(Ms(1000));
        }

        Assert.False(registry.IsSuspected("b#1"));
        for (var i = 0; i < 10; i++)
        {
            registry.Heartbeat("c#1");
            time.Advance(Ms(1000));
        }

        Assert.True(registry.IsSuspected("b#1"));
        Assert.False(registry.IsSuspected("c#1"));
        registry.Remove("b#1");
        Assert.False(registry.IsSuspected("b#1"));
    }
}
