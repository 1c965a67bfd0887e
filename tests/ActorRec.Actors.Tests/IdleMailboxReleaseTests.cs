using System.Runtime.CompilerServices;
using ActorRec.Actors.Internal;

namespace ActorRec.Actors.Tests;

/// <summary>
/// The mailbox that gives its ring back when idle (<see cref="Props.WithIdleMailboxRelease"/>): the release step on
/// the queue itself, and concurrent producers racing the consumer's releases, with per-producer FIFO order checked.
/// </summary>
public sealed class IdleMailboxReleaseTests
{
    [Fact]
    public void An_empty_queue_releases_its_ring_and_a_queued_message_prevents_it()
    {
        var queue = default(MessageQueue);
        Assert.False(queue.TryRelease()); // nothing allocated yet
        queue.Enqueue("a", null);
        Assert.False(queue.TryRelease()); // a message is waiting
        Assert.True(queue.TryDequeue(out var m, out _));
        Assert.Equal("a", m);
        Assert.True(queue.TryRelease());
        Assert.False(queue.HasMessages);
        Assert.False(queue.TryDequeue(out _, out _));
        queue.Enqueue("b", null);
        Assert.True(queue.HasMessages);
        Assert.True(queue.TryDequeue(out m, out _));
        Assert.Equal("b", m);
    }

    [Fact]
    public void Concurrent_producers_lose_nothing_while_the_consumer_releases_whenever_empty()
    {
        var queue = new StrongBox<MessageQueue>();
        const int producers = 3;
        const int each = 30_000;
        var received = QueueStress.ProduceAndDrain(queue, producers, each, () => queue.Value.TryRelease());
        Assert.False(queue.Value.HasMessages);
        Assert.False(queue.Value.TryDequeue(out _, out _));
        Assert.True(queue.Value.TryRelease());
        Assert.Equal(producers * each, received);
    }

    [Fact]
    public async Task An_actor_that_releases_its_idle_mailbox_gets_every_message_in_order_from_concurrent_tellers()
    {
        using var kit = Kit.New();
        const int tellers = 4;
        const int each = 20_000;
        var done = new TaskCompletionSource<int[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var props = Props.Create(() => new OrderCheckingActor(tellers, each, done)).WithIdleMailboxRelease();
        Assert.True(props.ReleasesIdleMailbox);
        var actor = kit.ActorOf(props);
        var threads = Enumerable.Range(0, tellers).Select(p => new Thread(() =>
        {
            for (var i = 0; i < each; i++)
            {
                actor.Tell(new Ping((p * each) + i));
            }
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }
        var counts = await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var t in threads)
        {
            t.Join();
        }
        Assert.All(counts, c => Assert.Equal(each, c));
    }

    private sealed class OrderCheckingActor : ReceiveActor
    {
        public OrderCheckingActor(int tellers, int each, TaskCompletionSource<int[]> done)
        {
            var next = new int[tellers];
            var received = 0;
            Receive<Ping>(ping =>
            {
                var p = ping.N / each;
                if (next[p] != ping.N % each)
                {
                    done.TrySetException(new InvalidOperationException($"teller {p}: expected {next[p]}, got {ping.N % each}"));
                    return;
                }
                next[p]++;
                if (++received == tellers * each)
                {
                    done.TrySetResult(next);
                }
            });
        }
    }
}
