using ActorRec.Recommender.Features;

namespace ActorRec.Recommender.Tests.Features;

public sealed class CountMinSketchTests
{
    [Fact]
    public void Estimates_never_undercount_and_stay_close_for_heavy_keys()
    {
        var sketch = new CountMinSketch(1 << 12, 4, seed: 3);
        var truth = new Dictionary<ulong, uint>();
        var random = new Random(4);
        for (var i = 0; i < 50_000; i++)
        {
            var key = (ulong)(random.Next(100) == 0 ? random.Next(10) : random.Next(20_000));
            sketch.Add(key);
            truth[key] = truth.GetValueOrDefault(key) + 1;
        }

        foreach (var (key, count) in truth)
        {
            var estimate = sketch.Estimate(key);
            Assert.True(estimate >= count);
            Assert.True(estimate - count <= 50, $"key {key}: {estimate} vs {count}");
        }

        sketch.Halve();
        Assert.True(sketch.Estimate(3) <= (truth[3] / 2) + 50);
    }
}
