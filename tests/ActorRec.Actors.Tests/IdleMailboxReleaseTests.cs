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

    // The interleavings below are the two halves of a producer's slow path with the consumer's release in between:
    // the producer installs a new segment, is preempted, the consumer reaches the new empty segment and releases it,
    // then the producer publishes it as the tail. Before the fix every later Tell spun forever on that released
    // segment (bench cluster: one node's entity host hung in Tell, its users never answered again).

    [Fact]
    public void A_grown_segment_released_before_its_producer_publishes_it_does_not_block_later_enqueues()
    {
        var box = new StrongBox<MessageQueue>();
        for (var i = 0; i < 4; i++)
        {
            box.Value.Enqueue(i, null); // fills the first ring (4 slots)
        }

        var full = box.Value.TailSegment!;
        Assert.True(full.Slots.Length == 4, "the first ring holds 4 messages");
        var next = box.Value.TryLinkNext(full)!; // a producer found the ring full, linked and froze it; it is preempted now
        for (var i = 0; i < 4; i++)
        {
            Assert.True(box.Value.TryDequeue(out var m, out _));
            Assert.Equal(i, m);
        }

        Assert.False(box.Value.TryDequeue(out _, out _)); // the consumer moved on to the empty new ring
        Assert.True(box.Value.TryRelease()); // and gave it back
        box.Value.PublishNext(full, next); // the preempted producer resumes
        Assert.True(EnqueueWithin(box, "late"), "an enqueue after the late publication never completed");
        Assert.True(box.Value.TryDequeue(out var late, out _));
        Assert.Equal("late", late);
    }

    [Fact]
    public void A_first_segment_released_before_its_producer_publishes_it_does_not_block_later_enqueues()
    {
        var box = new StrongBox<MessageQueue>();
        var first = box.Value.TryInstallFirst()!; // a producer installed the first ring as the head; it is preempted now
        Assert.False(box.Value.TryDequeue(out _, out _)); // the consumer, running for other work, finds it empty
        Assert.True(box.Value.TryRelease()); // and gives it back
        box.Value.PublishFirst(first); // the preempted producer resumes: a released ring is the tail
        Assert.True(EnqueueWithin(box, "late"), "an enqueue after the late publication never completed");
        Assert.True(box.Value.HasMessages);
        Assert.True(box.Value.TryDequeue(out var late, out _));
        Assert.Equal("late", late);
        Assert.False(box.Value.TryDequeue(out _, out _));
    }

    [Fact]
    public void A_late_first_segment_never_replaces_the_newer_one_another_producer_published()
    {
        var box = new StrongBox<MessageQueue>();
        var stale = box.Value.TryInstallFirst()!; // producer P installed the first ring as the head; it is preempted now
        Assert.False(box.Value.TryDequeue(out _, out _));
        Assert.True(box.Value.TryRelease()); // the consumer gives it back
        Assert.True(EnqueueWithin(box, "r"), "a second producer could not enqueue after the release");
        box.Value.PublishFirst(stale); // P resumes: its ring was released, and R's ring is the tail now
        Assert.NotSame(stale, box.Value.TailSegment);
        Assert.True(EnqueueWithin(box, "late"), "an enqueue after the late publication never completed");
        Assert.True(box.Value.TryDequeue(out var first, out _));
        Assert.True(box.Value.TryDequeue(out var second, out _));
        Assert.Equal(("r", "late"), (first, second));
        Assert.False(box.Value.TryDequeue(out _, out _));
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

    // Enqueues on another thread; false when it did not return within the guard (it spins on a released segment).
    private static bool EnqueueWithin(StrongBox<MessageQueue> box, object message)
    {
        var thread = new Thread(() => box.Value.Enqueue(message, null)) { IsBackground = true };
        thread.Start();
        return thread.Join(TimeSpan.FromSeconds(10));
    }
}
