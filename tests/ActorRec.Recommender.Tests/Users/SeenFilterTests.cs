using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Users;

namespace ActorRec.Recommender.Tests.Users;

public sealed class SeenFilterTests
{
    [Fact]
    public void Remembers_at_least_one_window_and_forgets_after_two()
    {
        var f = new SeenFilter(2048, 7, 200);
        for (var i = 0; i < 200; i++)
        {
            f.Add(StableHash.Key($"a{i}"));
        }

        for (var i = 0; i < 200; i++)
        {
            f.Add(StableHash.Key($"b{i}"));
        }

        for (var i = 0; i < 200; i++)
        {
            Assert.True(f.MightContain(StableHash.Key($"a{i}")));
            Assert.True(f.MightContain(StableHash.Key($"b{i}")));
        }

        for (var i = 0; i < 200; i++)
        {
            f.Add(StableHash.Key($"c{i}"));
        }

        var stillThere = Enumerable.Range(0, 200).Count(i => f.MightContain(StableHash.Key($"a{i}")));
        Assert.True(stillThere < 10, $"{stillThere} of the oldest window still reported");
    }

    [Fact]
    public void False_positive_rate_matches_the_stated_bound()
    {
        var f = new SeenFilter(2048, 7, 200);
        for (var i = 0; i < 400; i++)
        {
            f.Add(StableHash.Key($"seen{i}"));
        }

        var fp = Enumerable.Range(0, 20_000).Count(i => f.MightContain(StableHash.Key($"other{i}")));
        var rate = fp / 20_000.0;
        Assert.True(f.GenerationFalsePositiveRate < 0.0075);
        Assert.True(rate < 0.02, $"false-positive rate {rate:P2}");
    }

    [Fact]
    public void Restores_from_a_snapshot()
    {
        var f = new SeenFilter(128, 3, 10);
        for (var i = 0; i < 15; i++)
        {
            f.Add((ulong)i + 1);
        }

        var g = new SeenFilter(128, 3, 10);
        g.Restore(f.Words, f.CurrentGeneration, f.CountInCurrent);
        for (var i = 0; i < 15; i++)
        {
            Assert.True(g.MightContain((ulong)i + 1));
        }

        Assert.Equal(f.CountInCurrent, g.CountInCurrent);
    }
}
