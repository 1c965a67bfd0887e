using ActorRec.Actors.TestKit;
using ActorRec.Cluster.Sharding;
using FsCheck;
using FsCheck.Fluent;

namespace ActorRec.Cluster.Tests.Sharding;

public sealed class EntityResidencyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Idle_entities_are_passivated_after_the_timeout_and_a_touch_keeps_one_alive()
    {
        var r = new EntityResidency(TimeSpan.FromMinutes(2), maxResident: 100);
        Assert.True(r.Touch("a", T0));
        Assert.True(r.Touch("b", T0.AddSeconds(30)));
        Assert.False(r.Touch("a", T0.AddSeconds(60)));
        var picked = new List<string>();
        r.CollectToPassivate(T0.AddSeconds(149), picked);
        Assert.Empty(picked);
        r.CollectToPassivate(T0.AddSeconds(150), picked);
        Assert.Equal(["b"], picked);
        r.CollectToPassivate(T0.AddSeconds(500), picked);
        Assert.Equal(["b", "a"], picked); // b is not picked twice
        Assert.Equal((2, 2), (r.Count, r.Passivating));
        Assert.True(r.Remove("b"));
        Assert.Equal((1, 1), (r.Count, r.Passivating));
    }

    [Fact]
    public void Above_the_cap_the_least_recently_used_entities_go_first()
    {
        var r = new EntityResidency(TimeSpan.Zero, maxResident: 3);
        for (var i = 0; i < 5; i++)
        {
            r.Touch("e" + i, T0.AddSeconds(i));
        }

        r.Touch("e0", T0.AddSeconds(10)); // e0 is now the most recent
        var picked = new List<string>();
        r.CollectToPassivate(T0.AddSeconds(11), picked);
        Assert.Equal(["e1", "e2"], picked);
        picked.Clear();
        r.CollectToPassivate(T0.AddSeconds(12), picked);
        Assert.Empty(picked); // the surplus is already passivating
        r.Remove("e1");
        r.Remove("e2");
        r.Touch("e5", T0.AddSeconds(13));
        r.CollectToPassivate(T0.AddSeconds(14), picked);
        Assert.Equal(["e3"], picked);
    }

    [Fact]
    public void Resident_entities_that_are_not_passivating_never_exceed_the_cap_after_a_round()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var random = new Random(seed);
            var cap = random.Next(1, 20);
            var idle = TimeSpan.FromSeconds(random.Next(0, 50));
            var r = new EntityResidency(idle, cap);
            var now = T0;
            var lastTouch = new Dictionary<string, DateTimeOffset>();
            var picked = new List<string>();
            for (var step = 0; step < 300; step++)
            {
                now = now.AddSeconds(random.Next(0, 5));
                var id = "e" + random.Next(40);
                if (random.Next(4) == 0 && r.IsPassivating(id))
                {
                    r.Remove(id);
                    lastTouch.Remove(id);
                    continue;
                }

                r.Touch(id, now);
                lastTouch[id] = now;
                picked.Clear();
                r.CollectToPassivate(now, picked);
                var active = r.Count - r.Passivating;
                // Every entity left active is under the cap and not idle; every pick was idle or in the LRU surplus.
                var activeIds = lastTouch.Keys.Where(k => !r.IsPassivating(k)).ToList();
                if (active > cap || activeIds.Count != active)
                {
                    return false;
                }

                if (idle > TimeSpan.Zero && activeIds.Any(k => now - lastTouch[k] >= idle))
                {
                    return false;
                }

                // LRU: no active entity is older than a picked one that was picked for the cap (not for idleness).
                var oldestActive = activeIds.Count == 0 ? DateTimeOffset.MaxValue : activeIds.Min(k => lastTouch[k]);
                if (picked.Any(p => (idle == TimeSpan.Zero || now - lastTouch[p] < idle) && lastTouch[p] > oldestActive))
                {
                    return false;
                }
            }

            return true;
        });
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(40), property);
    }

    [Fact]
    public void Handoff_marks_are_counted_once_and_arguments_are_checked()
    {
        var r = new EntityResidency(TimeSpan.FromSeconds(1), 10);
        r.Touch("a", T0);
        Assert.True(r.MarkPassivating("a"));
        Assert.False(r.MarkPassivating("a"));
        Assert.False(r.MarkPassivating("zz"));
        Assert.False(r.Remove("zz"));
        Assert.Equal(1, r.Passivating);
        Assert.Throws<ArgumentOutOfRangeException>(() => new EntityResidency(TimeSpan.FromSeconds(-1), 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EntityResidency(TimeSpan.Zero, 0));
    }
}

public sealed class RecoveryRateTests
{
    [Fact]
    public void The_bucket_allows_a_burst_then_refills_at_the_rate()
    {
        var time = new VirtualTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 10, burst: 3, time);
        Assert.True(bucket.TryTake() && bucket.TryTake() && bucket.TryTake());
        Assert.False(bucket.TryTake());
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.TimeUntilNext());
        time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.True(bucket.TryTake() && bucket.TryTake());
        Assert.False(bucket.TryTake());
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(3, bucket.Available); // never more than the burst
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(0, 1, time));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(double.NaN, 1, time));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(1, 0, time));
    }

    [Fact]
    public void A_failover_of_many_entities_starts_them_at_the_bounded_rate_in_arrival_order()
    {
        var time = new VirtualTimeProvider();
        var throttle = new RecoveryThrottle(new TokenBucket(ratePerSecond: 100, burst: 20, time));
        var started = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            if (throttle.TryStart("e" + i))
            {
                started.Add("e" + i);
            }
        }

        Assert.Equal(20, started.Count);
        Assert.Equal(980, throttle.Waiting);
        Assert.False(throttle.TryStart("e500")); // already queued: not queued twice
        Assert.Equal(980, throttle.Waiting);

        // Follow the throttle's own timer hints, as the region does, and count virtual time.
        var elapsed = TimeSpan.Zero;
        while (throttle.TimeUntilNext() is { } wait)
        {
            var step = wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1);
            time.Advance(step);
            elapsed += step;
            var before = started.Count;
            throttle.TakeReady(started);
            Assert.InRange(started.Count - before, 0, 2);
        }

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => "e" + i), started);
        Assert.InRange(elapsed.TotalSeconds, 9.7, 9.9); // 980 entities at 100/s
        Assert.Equal(1000, throttle.Started);
        Assert.Null(throttle.TimeUntilNext());
    }

    [Fact]
    public void A_queued_start_can_be_cancelled_when_its_shard_leaves()
    {
        var time = new VirtualTimeProvider();
        var throttle = new RecoveryThrottle(new TokenBucket(1, 1, time));
        Assert.True(throttle.TryStart("a"));
        Assert.False(throttle.TryStart("b"));
        Assert.False(throttle.TryStart("c"));
        Assert.True(throttle.Cancel("b"));
        Assert.False(throttle.Cancel("b"));
        time.Advance(TimeSpan.FromSeconds(5));
        var ready = new List<string>();
        throttle.TakeReady(ready);
        Assert.Equal(["c"], ready);
    }
}
