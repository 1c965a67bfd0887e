using ActorRec.Actors;
using ActorRec.Actors.TestKit;
using ActorRec.Cluster.Sharding;
using ActorRec.Recommender.Entities;
using ActorRec.Server.Sharding;

namespace ActorRec.Server.Tests.Sharding;

/// <summary>The feed's region adapter over a sharded region: pass-through, retry with back-off on ShardUnavailable, clear failure.</summary>
public sealed class ClusterShardRegionTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private sealed class FakeRegion
    {
        public Queue<Func<object>> Answers { get; } = new();

        public List<(string Id, object Message, TimeSpan Timeout)> Asks { get; } = [];

        public List<(string Id, object Message)> Tells { get; } = [];

        public TaskCompletionSource<int> Asked { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ClusterShardRegion Adapter(TimeProvider time) => new("user", id => id.Length, _ => null, (id, m, _) => Tells.Add((id, m)), Ask,
            RoutingSettings.Default.WithRetry(RetryPolicy.Create(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400))), time);

        private Task<object> Ask(string id, object message, TimeSpan timeout)
        {
            Asks.Add((id, message, timeout));
            Asked.TrySetResult(Asks.Count);
            try
            {
                return Task.FromResult(Answers.Dequeue()());
            }
            catch (Exception e)
            {
                return Task.FromException<object>(e);
            }
        }
    }

    [Fact]
    public async Task Tells_and_asks_pass_through_with_the_type_and_shard_of_the_region()
    {
        var fake = new FakeRegion();
        fake.Answers.Enqueue(() => "reply");
        IShardRegion region = fake.Adapter(new VirtualTimeProvider());
        region.Tell("u1", GetState.Instance);
        Assert.Equal("reply", await region.Ask("u12", GetState.Instance, TimeSpan.FromSeconds(5)));
        Assert.Equal("user", region.TypeName);
        Assert.Equal(("u1", (object)GetState.Instance), Assert.Single(fake.Tells));
        Assert.Equal(("u12", TimeSpan.FromSeconds(5)), (fake.Asks[0].Id, fake.Asks[0].Timeout));
    }

    [Fact]
    public async Task A_shard_that_is_unavailable_is_asked_again_after_a_growing_back_off_within_the_deadline()
    {
        var time = new VirtualTimeProvider();
        var fake = new FakeRegion();
        fake.Answers.Enqueue(() => throw new ShardUnavailableException("shard 2 is handing off"));
        fake.Answers.Enqueue(() => throw new ShardUnavailableException("shard 2 is handing off"));
        fake.Answers.Enqueue(() => "durable");
        var region = fake.Adapter(time);
        var ask = region.Ask("u1", GetState.Instance, TimeSpan.FromSeconds(5));

        await fake.Asked.Task.WaitAsync(Guard);
        WaitForBackOffTimer(time);
        Assert.False(ask.IsCompleted);
        fake.Asked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Single(fake.Asks);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, await fake.Asked.Task.WaitAsync(Guard));
        WaitForBackOffTimer(time);

        fake.Asked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal(2, fake.Asks.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("durable", await ask.WaitAsync(Guard));
        Assert.Equal(3, fake.Asks.Count);
        Assert.Equal(2, region.Retries);
        // Each retry gets what is left of the caller's deadline.
        Assert.Equal(TimeSpan.FromMilliseconds(4_700), fake.Asks[2].Timeout);
    }

    [Fact]
    public async Task When_the_deadline_is_spent_the_ask_fails_naming_the_type_entity_and_shard()
    {
        var time = new VirtualTimeProvider();
        var fake = new FakeRegion();
        for (var i = 0; i < 10; i++)
        {
            fake.Answers.Enqueue(() => throw new ShardUnavailableException("buffer of shard 3 is full"));
        }

        var region = fake.Adapter(time);
        var ask = region.Ask("abc", GetState.Instance, TimeSpan.FromMilliseconds(250));
        await fake.Asked.Task.WaitAsync(Guard);
        fake.Asked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        WaitForBackOffTimer(time);
        time.Advance(TimeSpan.FromMilliseconds(100));
        await fake.Asked.Task.WaitAsync(Guard);
        // 150 ms left, the next back-off is 200 ms: no point waiting, fail now.
        var error = await Assert.ThrowsAsync<EntityUnavailableException>(() => ask.WaitAsync(Guard));
        Assert.Contains("user abc (shard 3)", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.IsType<ShardUnavailableException>(error.InnerException);
    }

    // The adapter arms its back-off right after the failed ask returns, on the thread that ran it.
    private static void WaitForBackOffTimer(VirtualTimeProvider time) =>
        Assert.True(SpinWait.SpinUntil(() => time.ActiveTimers == 1, Guard), "the back-off timer was not armed");

    [Fact]
    public async Task Other_failures_are_not_retried()
    {
        var fake = new FakeRegion();
        fake.Answers.Enqueue(() => throw new AskTimeoutException("no reply"));
        var region = fake.Adapter(new VirtualTimeProvider());
        await Assert.ThrowsAsync<AskTimeoutException>(() => region.Ask("u1", GetState.Instance, TimeSpan.FromSeconds(1)));
        Assert.Single(fake.Asks);
    }
}
