using ActorRec.Actors;
using BenchmarkDotNet.Attributes;

namespace ActorRec.Benchmarks.Micro.Actors;

/// <summary>
/// Typed-receive dispatch cost (HandlerSet with several handlers, the match in the last one) and the cost of one Tell
/// into a busy actor's mailbox measured end to end over a batch (tell N, wait until the actor handled N).
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private const int TellBatch = 100_000;
    private readonly ManualResetEventSlim _done = new();
    private readonly Message _message = new();
    private ActorSystem _system = null!;
    private IActorRef _counter = null!;
    private HandlerSet _handlers = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("micro");
        _counter = _system.ActorOf(Props.Create(() => new BatchCounter(TellBatch, _done)));
        _handlers = _system.ActorOf(Props.Create<HandlerHost>()).Ask<HandlerSet>(GetHandlers.Instance).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().GetAwaiter().GetResult();

    [Benchmark(Description = "HandlerSet.TryHandle, 4th of 4 handlers")]
    public bool TypedDispatch() => _handlers.TryHandle(_message);

    [Benchmark(Description = "Tell + handle, per message", OperationsPerInvoke = TellBatch)]
    public void TellBatchToOneActor()
    {
        _done.Reset();
        for (var i = 0; i < TellBatch; i++)
        {
            _counter.Tell(_message, null);
        }
        _done.Wait();
    }

    private sealed class Message;

    private sealed class GetHandlers
    {
        public static readonly GetHandlers Instance = new();
    }

    private sealed class HandlerHost : ReceiveActor
    {
        public HandlerHost()
        {
            var set = new HandlerSet(Context);
            set.Add<string>(_ => { });
            set.Add<int>(_ => { });
            set.Add<Exception>(_ => { });
            set.Add<Message>(_ => { });
            Receive<GetHandlers>(_ => Sender!.Tell(set, Self));
        }
    }

    private sealed class BatchCounter : ReceiveActor
    {
        private int _count;

        public BatchCounter(int batch, ManualResetEventSlim done) => Receive<Message>(_ =>
        {
            if (++_count == batch)
            {
                _count = 0;
                done.Set();
            }
        });
    }
}
