using ActorRec.Cluster.Sharding;
using FsCheck;
using FsCheck.Fluent;

namespace ActorRec.Cluster.Tests.Sharding;

public sealed class ShardResolverTests
{
    /// <summary>
    /// Golden values computed outside .NET (a 10-line Python FNV-1a + fmix64 over UTF-8), so they pin the function
    /// itself: any process, any run, any platform must agree, or routing and epoch fencing break.
    /// </summary>
    [Theory]
    [InlineData("user-1", 0x41a2fca5c68401c5UL, 197, 477)]
    [InlineData("user-2", 0xa9f4ad0c2263143bUL, 59, 635)]
    [InlineData("video-42", 0x73b865994a756fbfUL, 191, 311)]
    [InlineData("élan-🎬", 0x3dd72205e2706dccUL, 204, 956)]
    [InlineData("u", 0xb2f7a30e142a0568UL, 104, 488)]
    public void Hash_and_shard_match_the_golden_values(string id, ulong hash, int shardOf256, int shardOf1000)
    {
        Assert.Equal(hash, ShardResolver.StableHash(id));
        Assert.Equal(shardOf256, new ShardResolver(256).ShardOf(id));
        Assert.Equal(shardOf1000, new ShardResolver(1000).ShardOf(id));
    }

    [Fact]
    public void Long_ids_hash_the_same_through_the_pooled_path()
    {
        var id = string.Concat(Enumerable.Repeat("ü-ser", 200));
        Assert.Equal(ShardResolver.StableHash(System.Text.Encoding.UTF8.GetBytes(id)), ShardResolver.StableHash(id));
    }

    [Fact]
    public void Shard_is_in_range_and_deterministic_for_any_id_and_count()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<NonEmptyString>(), ArbMap.Default.ArbFor<PositiveInt>(), (id, count) =>
        {
            var n = Math.Min(count.Get, 65_536);
            var a = new ShardResolver(n).ShardOf(id.Get);
            var b = new ShardResolver(n).ShardOf(new string(id.Get.AsSpan()));
            return a == b && a >= 0 && a < n;
        });
        property.QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData(64)]
    [InlineData(256)]
    [InlineData(1000)]
    public void Sequential_ids_spread_evenly(int shards)
    {
        // 200 ids per shard on average; chi-square over shards stays near its degrees of freedom for a uniform hash.
        var resolver = new ShardResolver(shards);
        var counts = new int[shards];
        var total = shards * 200;
        for (var i = 0; i < total; i++)
        {
            counts[resolver.ShardOf("user-" + i)]++;
        }

        var expected = total / (double)shards;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        var df = shards - 1;
        Assert.True(chiSquare < df + (6 * Math.Sqrt(2.0 * df)), $"chi-square {chiSquare:F1} for {df} degrees of freedom");
        Assert.True(counts.Min() > expected * 0.6 && counts.Max() < expected * 1.4, $"min {counts.Min()} max {counts.Max()} expected {expected}");
    }

    [Fact]
    public void Random_ids_spread_evenly_as_a_property()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var random = new Random(seed);
            var counts = new int[32];
            var resolver = new ShardResolver(32);
            for (var i = 0; i < 6400; i++)
            {
                counts[resolver.ShardOf(random.NextInt64().ToString("x", System.Globalization.CultureInfo.InvariantCulture))]++;
            }

            return counts.Min() > 120 && counts.Max() < 280; // mean 200, sd ~14
        });
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(30), property);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardResolver(0));
        Assert.Throws<ArgumentException>(() => new ShardResolver(4).ShardOf(""));
    }
}
