using ActorRec.Actors;
using ActorRec.Actors.Internal;
using BenchmarkDotNet.Attributes;

namespace ActorRec.Benchmarks.Micro.Actors;

/// <summary>
/// The mailbox queue alone, on one thread: a batch of enqueues followed by the dequeues (the ring is reused, so the
/// steady state must allocate nothing), and a ping of one enqueue + one dequeue.
/// </summary>
[MemoryDiagnoser]
public class MailboxQueueBenchmarks
{
    private readonly object _message = new();
    private MessageQueue _queue;

    [Params(1, 30, 1000)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Grow the ring to its steady size once.
        for (var i = 0; i < Batch; i++)
        {
            _queue.Enqueue(_message, null);
        }
        while (_queue.TryDequeue(out _, out _))
        {
        }
    }

    [Benchmark(Description = "enqueue a batch, then dequeue it")]
    public int EnqueueThenDequeue()
    {
        for (var i = 0; i < Batch; i++)
        {
            _queue.Enqueue(_message, null);
        }
        var n = 0;
        while (_queue.TryDequeue(out _, out IActorRef? _))
        {
            n++;
        }
        return n;
    }
}
