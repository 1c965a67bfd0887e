namespace ActorRec.Compute.Tests;

public sealed class TopKSelectorTests
{
    [Fact]
    public void Selects_the_best_in_descending_order_with_row_tie_break()
    {
        float[] scores = [0.5f, 2f, -1f, 2f, 7f, float.NaN, 0.5f];
        var rows = new int[4];
        var best = new float[4];
        Assert.Equal(4, TopKSelector.Select(scores, 4, rows, best));
        Assert.Equal([4, 1, 3, 0], rows);
        Assert.Equal([7f, 2f, 2f, 0.5f], best);
    }

    [Fact]
    public void Matches_a_full_sort_on_random_input()
    {
        var rng = new Random(8);
        for (var round = 0; round < 50; round++)
        {
            var n = rng.Next(1, 500);
            var k = rng.Next(0, 600);
            var scores = new float[n];
            for (var i = 0; i < n; i++)
            {
                scores[i] = rng.Next(50) / 7f; // many ties
            }

            var count = Math.Min(k, n);
            var rows = new int[count];
            var best = new float[count];
            Assert.Equal(count, TopKSelector.Select(scores, k, rows, best));
            var expected = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(count).ToArray();
            Assert.Equal(expected, rows);
        }
    }
}
