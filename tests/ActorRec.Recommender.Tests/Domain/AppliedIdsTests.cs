using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Tests.Domain;

/// <summary>
/// The idempotency window: what it promises (an id among the last <c>window</c>, or within <c>horizon</c> of the
/// newest event and among the last <c>max</c>, is recognised), that it never recognises an id it was not given,
/// that it stays within <c>max</c>, and that a snapshot of it restores the same answers.
/// </summary>
public sealed class AppliedIdsTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_re_sent_id_within_the_horizon_is_recognised_however_many_ids_came_between()
    {
        var ids = new AppliedIds(window: 4, horizon: TimeSpan.FromMinutes(5), max: 1000);
        Assert.True(ids.Add(1, T));
        for (ulong k = 2; k < 500; k++)
        {
            Assert.True(ids.Add(k, T.AddMilliseconds(k * 100)));
        }

        Assert.True(ids.Contains(1));
        Assert.False(ids.Add(1, T));
        Assert.Equal(499, ids.Count);
    }

    [Fact]
    public void Past_the_horizon_only_the_last_window_ids_are_kept()
    {
        var ids = new AppliedIds(window: 4, horizon: TimeSpan.FromMinutes(5), max: 1000);
        for (ulong k = 1; k <= 10; k++)
        {
            ids.Add(k, T.AddMinutes(k * 6));
        }

        Assert.Equal(4, ids.Count);
        Assert.False(ids.Contains(6));
        Assert.True(ids.Contains(7));
        Assert.True(ids.Contains(10));
    }

    [Fact]
    public void An_old_id_at_the_front_is_kept_while_fewer_than_window_ids_are_held()
    {
        var ids = new AppliedIds(window: 3, horizon: TimeSpan.FromSeconds(10), max: 100);
        ids.Add(1, T);
        ids.Add(2, T.AddHours(1));
        ids.Add(3, T.AddHours(2));
        Assert.True(ids.Contains(1));
        ids.Add(4, T.AddHours(3));
        Assert.False(ids.Contains(1));
        Assert.Equal(3, ids.Count);
    }

    [Fact]
    public void Max_caps_the_ids_kept_within_one_horizon_oldest_first()
    {
        var ids = new AppliedIds(window: 2, horizon: TimeSpan.FromHours(1), max: 100);
        for (ulong k = 1; k <= 250; k++)
        {
            ids.Add(k, T);
        }

        Assert.Equal(100, ids.Count);
        Assert.False(ids.Contains(150));
        Assert.True(ids.Contains(151));
        Assert.True(ids.Contains(250));
    }

    [Fact]
    public void Random_streams_keep_the_promise_never_recognise_a_stranger_and_stay_within_max()
    {
        var random = new Random(20261122);
        for (var trial = 0; trial < 300; trial++)
        {
            var window = random.Next(1, 40);
            var large = trial % 10 == 0; // hash-table sizes, with evictions by max and by horizon through it
            var max = window + random.Next(0, large ? 1500 : 200);
            var horizon = TimeSpan.FromSeconds(random.Next(0, 600));
            var ids = new AppliedIds(window, horizon, max);
            var n = random.Next(1, large ? 4000 : 400);
            var keys = new ulong[n];
            var seconds = new uint[n];
            var at = T;
            for (var i = 0; i < n; i++)
            {
                // Mostly forward in time with jitter, sometimes a late (older) event, as real clients send them.
                at = at.AddSeconds(random.Next(-30, 60));
                keys[i] = (ulong)random.NextInt64(1, long.MaxValue);
                seconds[i] = AppliedIds.SecondOf(at);
                Assert.True(ids.Add(keys[i], at));
                Assert.True(ids.Count <= max, $"trial {trial}: {ids.Count} ids kept, max {max}");
            }

            var newest = seconds.Max();
            for (var i = 0; i < n; i++)
            {
                var age = n - 1 - i;
                var promised = age < window || (age < max && (ulong)seconds[i] + (ulong)horizon.TotalSeconds >= newest);
                if (promised)
                {
                    Assert.True(ids.Contains(keys[i]), $"trial {trial} (window {window}, max {max}, horizon {horizon}): id {i} of {n} forgotten");
                }
            }

            for (var j = 0; j < 50; j++)
            {
                var stranger = (ulong)random.NextInt64(1, long.MaxValue);
                if (Array.IndexOf(keys, stranger) < 0)
                {
                    Assert.False(ids.Contains(stranger));
                }
            }

            var (snapKeys, snapSeconds) = ids.ToArrays();
            var restored = new AppliedIds(window, horizon, max);
            restored.Restore(snapKeys, snapSeconds, fallbackSecond: 0);
            Assert.Equal(ids.Count, restored.Count);
            foreach (var k in keys)
            {
                Assert.Equal(ids.Contains(k), restored.Contains(k));
            }
        }
    }

    [Fact]
    public void Both_layouts_forget_exactly_what_a_plain_queue_model_forgets()
    {
        // A reference model of the rule (a queue in arrival order), run side by side through bursts of one second
        // (long runs), sparse events, late events, growth past HashFrom into the dense layout and shrinkage back.
        var random = new Random(7);
        for (var trial = 0; trial < 60; trial++)
        {
            var window = random.Next(1, trial % 3 == 0 ? 200 : 100);
            var max = window + random.Next(0, 3000);
            var horizon = TimeSpan.FromSeconds(random.Next(0, 120));
            var ids = new AppliedIds(window, horizon, max);
            var model = new Queue<(ulong Key, uint Second)>();
            var everAdded = new List<ulong>();
            uint newest = 0;
            var second = AppliedIds.SecondOf(T);
            for (var step = 0; step < 4000; step++)
            {
                // Phases: a burst (many ids a second), a quiet spell (minutes apart), late events, and ids hours
                // apart (the last window ids then span more than the 16-bit offsets of the dense layout reach).
                var phase = step / 500 % 4;
                second = phase switch
                {
                    0 => second + (uint)(random.Next(20) == 0 ? 1 : 0),
                    1 => second + (uint)random.Next(10, 200),
                    3 => second + (uint)random.Next(1_000, 3_000),
                    _ => (uint)Math.Max(1, second + random.Next(-40, 40)),
                };
                var key = random.Next(10) == 0 && everAdded.Count > 0 ? everAdded[random.Next(everAdded.Count)] : (ulong)random.NextInt64(1, long.MaxValue);
                var modelHas = model.Any(e => e.Key == key);
                Assert.Equal(!modelHas, ids.Add(key, second));
                if (!modelHas)
                {
                    newest = Math.Max(newest, second);
                    while (model.Count >= window && (model.Count >= max || (ulong)model.Peek().Second + (ulong)horizon.TotalSeconds < newest))
                    {
                        model.Dequeue();
                    }

                    model.Enqueue((key, second));
                    everAdded.Add(key);
                }

                Assert.Equal(model.Count, ids.Count);
                if (step % 97 == 0)
                {
                    var kept = model.Select(e => e.Key).ToHashSet();
                    foreach (var k in everAdded)
                    {
                        Assert.Equal(kept.Contains(k), ids.Contains(k));
                    }

                    var (keys, seconds) = ids.ToArrays();
                    Assert.Equal(model.Select(e => e.Key), keys);
                    Assert.Equal(model.Select(e => e.Second), seconds);
                }
            }
        }
    }

    [Fact]
    public void A_window_of_more_than_65535_ids_uses_wide_slots_and_keeps_every_id()
    {
        const int N = 70_000;
        var ids = new AppliedIds(window: 10, horizon: TimeSpan.FromHours(1), max: N);
        for (ulong k = 1; k <= N; k++)
        {
            Assert.True(ids.Add(k * 0x1000_0001UL, T.AddMilliseconds((long)k)));
        }

        Assert.Equal(N, ids.Count);
        for (ulong k = 1; k <= N; k++)
        {
            Assert.True(ids.Contains(k * 0x1000_0001UL));
        }

        Assert.False(ids.Contains(7));
        Assert.False(ids.Add(N * 0x1000_0001UL, T));
        Assert.True(ids.Add(3, T.AddMinutes(10)));
        Assert.False(ids.Contains(0x1000_0001UL));
        Assert.Equal(N, ids.Count);
    }

    [Fact]
    public void A_hot_entity_pays_at_most_sixteen_bytes_an_id()
    {
        // 2,000 ids within a few seconds, arriving out of time order: 8-byte ids, 16-bit second offsets, a 16-bit index.
        var ids = new AppliedIds(window: 256, horizon: TimeSpan.FromMinutes(5), max: 65_536);
        for (ulong k = 1; k <= 2_000; k++)
        {
            ids.Add(k * 7919, T.AddSeconds((long)(k % 8)));
        }

        Assert.InRange(ids.HeapBytes / 2_000.0, 10.0, 16.0);
        var user = new AppliedIds(window: 24, horizon: TimeSpan.FromMinutes(5), max: 4096);
        for (ulong k = 1; k <= 8; k++)
        {
            user.Add(k, T.AddSeconds(k));
        }

        Assert.Equal(24 + (8 * 12), user.HeapBytes);
    }

    [Fact]
    public void Ids_restored_without_seconds_are_dated_at_the_fallback_and_kept_for_a_horizon()
    {
        var ids = new AppliedIds(window: 2, horizon: TimeSpan.FromMinutes(5), max: 100);
        ids.Restore([1, 2, 3, 4], [], AppliedIds.SecondOf(T));
        Assert.Equal(4, ids.Count);
        ids.Add(5, T.AddMinutes(4));
        Assert.True(ids.Contains(1));
        ids.Add(6, T.AddMinutes(6));
        Assert.False(ids.Contains(1));
        Assert.True(ids.Contains(6));
        Assert.Throws<ArgumentException>(() => new AppliedIds(2, TimeSpan.Zero, 10).Restore([1, 2], [7], 0));
    }

    [Fact]
    public void Bad_sizes_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AppliedIds(0, TimeSpan.Zero, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AppliedIds(10, TimeSpan.Zero, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AppliedIds(1, TimeSpan.FromSeconds(-1), 9));
    }
}
