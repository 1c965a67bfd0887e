using System.Runtime.CompilerServices;
using ActorRec.Actors.Internal;

namespace ActorRec.Actors.Tests;

/// <summary>
/// Producer threads enqueue boxed ints into one <see cref="MessageQueue"/> while the calling thread drains it and
/// checks FIFO order per producer. The queue is a struct, so it lives in a box the threads share.
/// </summary>
internal static class QueueStress
{
    /// <param name="queue">The shared queue.</param>
    /// <param name="producers">Producer threads.</param>
    /// <param name="each">Messages per producer.</param>
    /// <param name="onEmpty">Runs whenever a dequeue finds nothing, before spinning.</param>
    /// <returns>Messages received (all of them: it returns only when every one arrived, then joins the producers).</returns>
    public static int ProduceAndDrain(StrongBox<MessageQueue> queue, int producers, int each, Action onEmpty)
    {
        var boxes = Enumerable.Range(0, producers * each).Select(i => (object)i).ToArray();
        var threads = Enumerable.Range(0, producers).Select(p => new Thread(() =>
        {
            for (var i = 0; i < each; i++)
            {
                queue.Value.Enqueue(boxes[(p * each) + i], null);
            }
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }

        var next = new int[producers];
        var received = 0;
        var spin = default(SpinWait);
        while (received < producers * each)
        {
            if (queue.Value.TryDequeue(out var m, out _))
            {
                var v = (int)m;
                var p = v / each;
                Assert.Equal(next[p], v % each);
                next[p]++;
                received++;
            }
            else
            {
                onEmpty();
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        return received;
    }
}
