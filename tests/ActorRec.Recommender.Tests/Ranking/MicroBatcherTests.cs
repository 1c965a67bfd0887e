using ActorRec.Actors.TestKit;
using ActorRec.Recommender.Ranking;

namespace ActorRec.Recommender.Tests.Ranking;

public sealed class MicroBatcherTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(2);

    private sealed class Recorder
    {
        public List<int[]> Batches { get; } = [];

        public IReadOnlyList<string> Handle(IReadOnlyList<int> requests)
        {
            lock (Batches)
            {
                Batches.Add([.. requests]);
            }

            return requests.Select(r => $"r{r}").ToArray();
        }
    }

    [Fact]
    public async Task Requests_within_the_window_are_scored_together()
    {
        var time = new VirtualTimeProvider(DateTimeOffset.UnixEpoch);
        var rec = new Recorder();
        using var batcher = new MicroBatcher<int, string>(rec.Handle, Window, 10, time);
        var a = batcher.Submit(1);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var b = batcher.Submit(2);
        var c = batcher.Submit(3);
        Assert.Empty(rec.Batches);
        Assert.False(a.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["r1", "r2", "r3"], await Task.WhenAll(a, b, c).WaitAsync(Guard));
        Assert.Equal([1, 2, 3], Assert.Single(rec.Batches));
        Assert.Equal(1, batcher.BatchCount);

        var d = batcher.Submit(4);
        time.Advance(Window);
        Assert.Equal("r4", await d.WaitAsync(Guard));
        Assert.Equal(2, rec.Batches.Count);
    }

    [Fact]
    public async Task A_full_batch_runs_at_once_and_its_timer_does_not_cut_the_next_batch_short()
    {
        var time = new VirtualTimeProvider(DateTimeOffset.UnixEpoch);
        var rec = new Recorder();
        using var batcher = new MicroBatcher<int, string>(rec.Handle, Window, 3, time);
        var first = new[] { batcher.Submit(1), batcher.Submit(2), batcher.Submit(3) };
        Assert.Equal(["r1", "r2", "r3"], await Task.WhenAll(first).WaitAsync(Guard));
        Assert.Equal(0, time.ActiveTimers);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var next = batcher.Submit(4);
        time.Advance(TimeSpan.FromMilliseconds(1.5));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(0.5));
        Assert.Equal("r4", await next.WaitAsync(Guard));
        Assert.Equal([[1, 2, 3], [4]], rec.Batches);
    }

    [Fact]
    public async Task Handler_failure_fails_every_request_of_the_batch()
    {
        var time = new VirtualTimeProvider(DateTimeOffset.UnixEpoch);
        using var batcher = new MicroBatcher<int, string>(_ => throw new InvalidOperationException("backend down"), Window, 10, time);
        var a = batcher.Submit(1);
        var b = batcher.Submit(2);
        time.Advance(Window);
        Assert.Equal("backend down", (await Assert.ThrowsAsync<InvalidOperationException>(() => a.WaitAsync(Guard))).Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => b.WaitAsync(Guard));

        using var wrongCount = new MicroBatcher<int, string>(_ => ["only one"], Window, 2, time);
        var c = wrongCount.Submit(1);
        var d = wrongCount.Submit(2);
        await Assert.ThrowsAsync<InvalidOperationException>(() => c.WaitAsync(Guard));
        await Assert.ThrowsAsync<InvalidOperationException>(() => d.WaitAsync(Guard));
    }

    [Fact]
    public async Task Dispose_fails_pending_requests_and_refuses_new_ones()
    {
        var time = new VirtualTimeProvider(DateTimeOffset.UnixEpoch);
        var batcher = new MicroBatcher<int, string>(new Recorder().Handle, Window, 10, time);
        var pending = batcher.Submit(1);
        batcher.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(Guard));
        Assert.Throws<ObjectDisposedException>(() => { _ = batcher.Submit(2); });
    }

    [Fact]
    public async Task Concurrent_submitters_each_get_their_own_result()
    {
        var time = new VirtualTimeProvider(DateTimeOffset.UnixEpoch);
        var rec = new Recorder();
        using var batcher = new MicroBatcher<int, string>(rec.Handle, Window, 16, time);
        var tasks = new Task<string>[200];
        Parallel.For(0, tasks.Length, i => tasks[i] = batcher.Submit(i));
        time.Advance(Window);
        var results = await Task.WhenAll(tasks).WaitAsync(Guard);
        for (var i = 0; i < tasks.Length; i++)
        {
            Assert.Equal($"r{i}", results[i]);
        }

        Assert.Equal(200, rec.Batches.Sum(b => b.Length));
        Assert.All(rec.Batches, b => Assert.True(b.Length <= 16));
    }
}
