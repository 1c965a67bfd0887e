using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Tests.Retrieval;

public sealed class CandidateSetReleaseTests
{
    private static readonly DateTimeOffset T = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Release_empties_the_set_and_refuses_new_candidates()
    {
        var set = new CandidateSet("u1", new float[4], T, "US", 1, capacity: 8);
        Assert.True(set.Add(3, RetrievalSource.Embedding, 0.5f));
        Assert.False(set.Add(3, RetrievalSource.Trending, 0.7f));
        Assert.Equal(RetrievalSource.Embedding | RetrievalSource.Trending, set[0].Sources);
        Assert.Equal(0.7f, set[0].RetrievalScore);

        set.Release();
        Assert.True(set.Released);
        Assert.Equal(0, set.Count);
        Assert.True(set.Items.IsEmpty);
        Assert.False(set.Contains(3));
        var ex = Assert.Throws<InvalidOperationException>(() => set.Add(4, RetrievalSource.Embedding, 0f));
        Assert.Contains("u1", ex.Message, StringComparison.Ordinal);
        set.Release(); // a second release is a no-op
    }

    [Fact]
    public void CompleteRetrieval_keeps_the_candidates_and_answers_lookups_without_the_index()
    {
        var set = new CandidateSet("u2", new float[4], T, "US", 1, capacity: 8);
        for (var row = 10; row < 30; row++)
        {
            Assert.True(set.Add(row, RetrievalSource.Embedding, row));
        }

        set.CompleteRetrieval();
        Assert.True(set.RetrievalCompleted);
        Assert.False(set.Released);
        Assert.Equal(20, set.Count);
        Assert.Equal(29f, set[19].RetrievalScore);
        Assert.Equal(5, set.IndexOf(15));
        Assert.True(set.Contains(29));
        Assert.False(set.Contains(30));
        var ex = Assert.Throws<InvalidOperationException>(() => set.Add(40, RetrievalSource.Trending, 0f));
        Assert.Contains("completed", ex.Message, StringComparison.Ordinal);
        set.CompleteRetrieval(); // a second completion is a no-op

        set.Release();
        Assert.True(set.Released);
        Assert.True(set.Items.IsEmpty);
        Assert.False(set.Contains(15));
    }

    [Fact]
    public void A_set_built_from_released_storage_starts_empty_and_grows()
    {
        for (var round = 0; round < 3; round++)
        {
            var set = new CandidateSet($"u{round}", new float[4], T, "US", 1, capacity: 8);
            Assert.Equal(0, set.Count);
            for (var row = 0; row < 40; row++)
            {
                Assert.False(set.Contains(row + round));
                Assert.True(set.Add(row + round, RetrievalSource.Embedding, row));
            }

            Assert.Equal(40, set.Count);
            for (var i = 0; i < 40; i++)
            {
                Assert.Equal(i + round, set[i].Row);
                Assert.Equal(0f, set[i].Score);
                Assert.Equal(0, set[i].HeldBackAt);
            }

            set.Release();
        }
    }
}
