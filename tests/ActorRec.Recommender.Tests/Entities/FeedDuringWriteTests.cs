namespace ActorRec.Recommender.Tests.Entities;

/// <summary>
/// A user's feed and state are read-only queries: answered while an event batch of that user is still being
/// committed, from the state of the last durable batch, and never ahead of what is acknowledged.
/// </summary>
public sealed class FeedDuringWriteTests
{
    [Fact]
    public async Task A_feed_does_not_wait_for_a_commit_in_flight_and_reflects_the_batch_once_it_is_acknowledged()
    {
        await using var node = new EntityNode(gated: true);
        node.PutVideo("v1", "cats");
        node.PutVideo("v2", "dogs");
        Assert.Equal(1, node.Ingest(node.View("e1", "u1", "v1")).Applied);

        node.Gate!.Close();
        var held = node.Engine.IngestAsync([node.View("e2", "u1", "v2")]);
        node.Kit.Await(node.Gate.WaitForWritesAsync(["user/u1"]));

        var during = node.Feed("u1");
        Assert.Equal(1, during.StateVersion);
        Assert.NotEmpty(during.Feed.Items);
        Assert.Equal(1, node.Await(node.Engine.GetUserAsync("u1"))!.EventCount);
        Assert.False(held.IsCompleted, "the batch was acknowledged before its write was durable");
        Assert.Equal(1, node.Highest("user/u1"));

        node.Gate.Open();
        Assert.Equal(1, node.Await(held).Applied);
        Assert.Equal(2, node.Highest("user/u1"));
        Assert.Equal(2, node.Feed("u1").StateVersion);
        Assert.Equal(2, node.Await(node.Engine.GetUserAsync("u1"))!.EventCount);
    }
}
