using ActorRec.Recommender.Users;

namespace ActorRec.Recommender.Tests.Users;

/// <summary>The per-user structures allocate as they fill, with the behaviour and snapshots of full-size ones.</summary>
public sealed class LazyUserStructuresTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static ulong Key(ulong k) => unchecked(k * 0x9E3779B97F4A7C15UL);

    [Fact]
    public void The_seen_filter_keeps_its_first_keys_exactly_and_then_holds_the_same_bits_as_a_full_filter()
    {
        var live = new SeenFilter(2048, 7, 200);
        for (var k = 1UL; k <= SeenFilter.ExactLimit; k++)
        {
            live.Add(Key(k));
        }

        Assert.False(live.IsMaterialized);
        Assert.True(live.MightContain(Key(3)));
        Assert.False(live.MightContain(12345));

        // A snapshot of the small form, restored and continued, ends with exactly the bits of the live filter.
        var restored = new SeenFilter(2048, 7, 200);
        restored.Restore(live.Words, live.CurrentGeneration, live.CountInCurrent);
        for (var k = SeenFilter.ExactLimit + 1UL; k <= 450; k++)
        {
            live.Add(Key(k));
            restored.Add(Key(k));
        }

        Assert.True(live.IsMaterialized);
        Assert.Equal(restored.Words.ToArray(), live.Words.ToArray());
        Assert.Equal((restored.CurrentGeneration, restored.CountInCurrent), (live.CurrentGeneration, live.CountInCurrent));
        for (var k = 251UL; k <= 450; k++)
        {
            Assert.True(live.MightContain(Key(k)), $"key {k} is within the window");
        }
    }

    [Fact]
    public void A_small_window_rolls_generations_as_before()
    {
        var seen = new SeenFilter(256, 3, 5);
        for (var k = 1UL; k <= 11; k++)
        {
            seen.Add(k);
        }

        Assert.True(seen.IsMaterialized);
        Assert.Equal(1, seen.CountInCurrent);
        Assert.True(seen.MightContain(11));
        Assert.True(seen.MightContain(6));
    }

    [Fact]
    public void Rings_grow_to_their_capacity_and_keep_the_newest_keys_in_order()
    {
        var ring = new KeyRing(12);
        Assert.Equal(12, ring.Capacity);
        for (var k = 1UL; k <= 30; k++)
        {
            ring.Add(k);
            Assert.Equal(k, ring.Recent(0));
            Assert.Equal((int)Math.Min(k, 12), ring.Count);
        }

        Assert.Equal([19UL, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30], ring.ToArray());
        Assert.True(ring.Contains(19));
        Assert.False(ring.Contains(18));
    }

    [Fact]
    public void Fatigue_counters_export_every_slot_and_evict_the_smallest_when_full()
    {
        var half = TimeSpan.FromMinutes(30);
        var counters = new DecayedCounters(6);
        counters.Add(1, 1f, T, half);
        var (keys, values) = counters.Export();
        Assert.Equal([1u, 0, 0, 0, 0, 0], keys);
        Assert.Equal([1f, 0, 0, 0, 0, 0], values);

        for (var k = 2u; k <= 6; k++)
        {
            counters.Add(k, k, T, half);
        }

        counters.Add(7, 10f, T, half);
        Assert.Equal(0f, counters.Get(1, T, half));
        Assert.Equal(10f, counters.Get(7, T, half));
        Assert.Equal(6, counters.Count);

        var copy = new DecayedCounters(6);
        (keys, values) = counters.Export();
        copy.Restore(keys, values, counters.At);
        Assert.Equal(counters.Get(4, T.AddMinutes(30), half), copy.Get(4, T.AddMinutes(30), half));
    }
}
