using ActorRec.Actors.TestKit;
using ActorRec.Recommender.Trends;

namespace ActorRec.Recommender.Tests.Trends;

public sealed class TrendTrackerTests
{
    [Fact]
    public void Top_n_per_region_ranks_by_velocity_over_the_window()
    {
        var clock = new VirtualTimeProvider();
        var tracker = new TrendTracker(new TrendSettings(BucketDuration: TimeSpan.FromMinutes(1), Buckets: 10, HeavyHitters: 20), clock);
        var random = new Random(2);
        for (var minute = 0; minute < 5; minute++)
        {
            for (var i = 0; i < 200; i++)
            {
                tracker.Record(TrendKind.Hashtag, "US", 1, 1); // 200/min
                if (i % 2 == 0)
                {
                    tracker.Record(TrendKind.Hashtag, "US", 2); // 100/min
                }

                tracker.Record(TrendKind.Hashtag, "US", (ulong)(1_000 + random.Next(5_000))); // long tail
                if (i % 4 == 0)
                {
                    tracker.Record(TrendKind.Hashtag, "BR", 3);
                }
            }

            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var us = tracker.Top(TrendKind.Hashtag, "US", 2);
        Assert.Equal([1UL, 2UL], us.Select(e => e.Key));
        Assert.InRange(us[0].PerMinute, 100.0, 110.0); // 1000 events over a 10-minute window
        Assert.InRange(us[1].PerMinute, 50.0, 55.0);
        Assert.Equal(3UL, tracker.Top(TrendKind.Hashtag, "BR", 5)[0].Key);
        Assert.Empty(tracker.Top(TrendKind.Video, "US", 5));
        Assert.Empty(tracker.Top(TrendKind.Hashtag, "JP", 5));
    }

    [Fact]
    public void Old_engagement_slides_out_of_the_window()
    {
        var clock = new VirtualTimeProvider();
        var tracker = new TrendTracker(new TrendSettings(BucketDuration: TimeSpan.FromMinutes(1), Buckets: 5), clock);
        for (var i = 0; i < 100; i++)
        {
            tracker.Record(TrendKind.Video, "US", 7);
        }

        clock.Advance(TimeSpan.FromMinutes(3));
        tracker.Record(TrendKind.Video, "US", 8, 10);
        Assert.Equal(7UL, tracker.Top(TrendKind.Video, "US", 1)[0].Key);

        clock.Advance(TimeSpan.FromMinutes(3));
        var top = tracker.Top(TrendKind.Video, "US", 2);
        Assert.Single(top);
        Assert.Equal(8UL, top[0].Key);
        Assert.Equal(2.0, top[0].PerMinute, 6);
    }

    [Fact]
    public void Memory_is_bounded_by_settings_not_by_traffic()
    {
        var clock = new VirtualTimeProvider();
        var tracker = new TrendTracker(new TrendSettings(BucketDuration: TimeSpan.FromMinutes(1), Buckets: 3, HeavyHitters: 10, MaxRegions: 2), clock);
        for (var i = 0; i < 20_000; i++)
        {
            tracker.Record(TrendKind.Sound, "R" + (i % 7), (ulong)i);
        }

        Assert.Equal(3, tracker.RegionCount); // two regions and the shared overflow bucket
        Assert.True(tracker.Top(TrendKind.Sound, "R0", 100).Count <= 10);
        Assert.Equal(TrendTracker.KeyOf("cats"), TrendTracker.KeyOf("cats"));
    }

    [Fact]
    public void Space_saving_keeps_every_key_above_total_over_capacity()
    {
        var summary = new SpaceSaving(10);
        var random = new Random(4);
        for (var i = 0; i < 10_000; i++)
        {
            summary.Add(i % 5 == 0 ? 42UL : (ulong)random.Next(100_000));
        }

        Assert.True(summary.Estimate(42) >= 2_000);
        Assert.Equal(10, summary.Count);
    }
}
